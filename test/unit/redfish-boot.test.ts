import { bootPatch, bootState } from '../../drivers/power/redfish-boot';

describe('bootPatch', () => {
  it('sends target, Once/Continuous and the mode', () => {
    expect(bootPatch({ device: 'pxe', persistent: false, uefi: true }, true)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' },
    });
    expect(bootPatch({ device: 'disk', persistent: true, uefi: false }, true)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideMode: 'Legacy' },
    });
  });

  it('clears the override by disabling it, leaving target and mode alone', () => {
    expect(bootPatch({ device: 'none', persistent: true, uefi: true }, true)).toEqual({ Boot: { BootSourceOverrideEnabled: 'Disabled' } });
    expect(bootState({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideMode: 'UEFI' }).device).toBe('none');
  });

  it('leaves the mode out for systems without BootSourceOverrideMode', () => {
    expect(bootPatch({ device: 'pxe', persistent: true, uefi: false }, false).Boot).not.toHaveProperty('BootSourceOverrideMode');
  });
});

describe('bootState', () => {
  it.each<[Record<string, unknown> | undefined, ReturnType<typeof bootState>]>([
    [{ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' }, { device: 'pxe', persistent: false, uefi: true }],
    [{ BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideMode: 'Legacy' }, { device: 'disk', persistent: true, uefi: false }],
    [{ BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Continuous' }, { device: 'other', persistent: true, uefi: false }],
    [{ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Disabled' }, { device: 'none', persistent: false, uefi: false }],
    [{ BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Once' }, { device: 'none', persistent: false, uefi: false }],
    [{ BootSourceOverrideEnabled: 'Continuous' }, { device: 'none', persistent: true, uefi: false }],
    [undefined, { device: 'none', persistent: false, uefi: false }],
  ])('%j reads as %j', (boot, state) => {
    expect(bootState(boot)).toEqual(state);
  });
});
