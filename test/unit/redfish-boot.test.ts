import { bootPatch, bootState } from '../../drivers/power/redfish-boot';

describe('bootPatch', () => {
  const unset = {
    BootSourceOverrideTarget: 'None',
    BootSourceOverrideEnabled: 'Disabled',
    BootSourceOverrideMode: 'Legacy',
  };

  it('sends target, Once/Continuous and the mode when they differ', () => {
    expect(bootPatch({ device: 'pxe', persistent: false, uefi: true }, unset, true)).toEqual({
      Boot: {
        BootSourceOverrideTarget: 'Pxe',
        BootSourceOverrideEnabled: 'Once',
        BootSourceOverrideMode: 'UEFI',
      },
    });
    expect(bootPatch({ device: 'disk', persistent: true, uefi: true }, unset, true)).toEqual({
      Boot: {
        BootSourceOverrideTarget: 'Hdd',
        BootSourceOverrideEnabled: 'Continuous',
        BootSourceOverrideMode: 'UEFI',
      },
    });
  });

  it('sends Enabled and Mode only when they change; the target always', () => {
    const current = {
      BootSourceOverrideTarget: 'Hdd',
      BootSourceOverrideEnabled: 'Continuous',
      BootSourceOverrideMode: 'UEFI',
    };
    expect(bootPatch({ device: 'pxe', persistent: true, uefi: true }, current, true)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Pxe' },
    });
    expect(bootPatch({ device: 'disk', persistent: false, uefi: true }, current, true)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Once' },
    });
  });

  it('clears the override by disabling it, leaving target and mode alone', () => {
    expect(bootPatch({ device: 'none', persistent: true, uefi: true }, undefined, true)).toEqual({
      Boot: { BootSourceOverrideEnabled: 'Disabled' },
    });
    expect(
      bootState({
        BootSourceOverrideTarget: 'Pxe',
        BootSourceOverrideEnabled: 'Disabled',
        BootSourceOverrideMode: 'UEFI',
      }).device,
    ).toBe('none');
  });

  it('leaves the mode out for systems without BootSourceOverrideMode', () => {
    expect(
      bootPatch({ device: 'pxe', persistent: true, uefi: false }, {}, false).Boot,
    ).not.toHaveProperty('BootSourceOverrideMode');
  });
});

describe('bootState', () => {
  it.each<[Record<string, unknown> | undefined, ReturnType<typeof bootState>]>([
    [
      {
        BootSourceOverrideTarget: 'Pxe',
        BootSourceOverrideEnabled: 'Once',
        BootSourceOverrideMode: 'UEFI',
      },
      { device: 'pxe', persistent: false, uefi: true },
    ],
    [
      {
        BootSourceOverrideTarget: 'Hdd',
        BootSourceOverrideEnabled: 'Continuous',
        BootSourceOverrideMode: 'Legacy',
      },
      { device: 'disk', persistent: true, uefi: false },
    ],
    [
      { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Continuous' },
      { device: 'other', persistent: true, uefi: false },
    ],
    [
      { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Disabled' },
      { device: 'none', persistent: false, uefi: false },
    ],
    [
      { BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Once' },
      { device: 'none', persistent: false, uefi: false },
    ],
    [
      { BootSourceOverrideEnabled: 'Continuous' },
      { device: 'none', persistent: true, uefi: false },
    ],
    [undefined, { device: 'none', persistent: false, uefi: false }],
  ])('%j reads as %j', (boot, state) => {
    expect(bootState(boot)).toEqual(state);
  });
});
