import { once } from 'node:events';
import type { Machine } from '../../inventory/topology-schema';
import { LabMachine, type LabBootDevice, type LabBootResult } from '../../lab/lab-machine';
import { labMachineStateSchema } from '../../lab/lab-state-file';
import { bareLabMachines, FAST_TIMING, labSmall } from '../support/lab-fixtures';

/**
 * What a lab machine writes down at each point of its life, and what a new lab process makes of it.
 */
describe('LabMachine snapshot and restore', () => {
  let spec: Machine;
  beforeAll(async () => {
    spec = bareLabMachines(await labSmall()).get('m-r1-03')!.spec;
  });

  /**
   * A machine of a new lab process that takes the state back; its boot sequence says which device
   * it booted from.
   */
  function reborn(state: unknown): { machine: LabMachine; bootedFrom: LabBootDevice[] } {
    const machine = new LabMachine(spec, FAST_TIMING);
    const bootedFrom: LabBootDevice[] = [];
    machine.setBootSequence(async (m) => {
      bootedFrom.push(m.bootingFrom);
      return { healthy: true, persona: 'web-02' };
    });
    machine.restore(labMachineStateSchema.parse(JSON.parse(JSON.stringify(state))));
    return { machine, bootedFrom };
  }

  it('writes a power-on down as soon as the BMC accepts it, and a new process powers on and boots from the one-time override', async () => {
    const m = new LabMachine(spec, FAST_TIMING);
    m.setBootDevice({ device: 'pxe', persistent: false, uefi: false });
    m.powerOn();
    const state = m.snapshot();
    expect(state).toMatchObject({
      power: 'on',
      bootOverride: { device: 'pxe', persistent: false },
    });
    expect(state.os).toBeUndefined();
    m.stop();

    const { machine, bootedFrom } = reborn(state);
    const booted = once(machine, 'boot') as Promise<[LabBootResult]>;
    machine.resume();
    expect((await booted)[0]).toMatchObject({ healthy: true, persona: 'web-02' });
    expect(bootedFrom).toEqual(['pxe']);
    expect(machine.bootOverride).toEqual({ device: 'disk', persistent: true, uefi: false });
    machine.stop();
  });

  it('a machine killed mid-boot boots again from the device it started from, its one-time override already used', async () => {
    const m = new LabMachine(spec, FAST_TIMING);
    m.setBootSequence(() => new Promise(() => undefined));
    m.setBootDevice({ device: 'pxe', persistent: false, uefi: false });
    const on = once(m, 'power');
    m.powerOn();
    await on;
    const state = m.snapshot();
    expect(state).toMatchObject({
      power: 'on',
      bootOverride: { device: 'disk', persistent: true },
      os: { from: 'pxe' },
    });
    m.stop();

    const { machine, bootedFrom } = reborn(state);
    expect(machine.powerState).toBe('on');
    const booted = once(machine, 'boot');
    machine.resume();
    await booted;
    expect(bootedFrom).toEqual(['pxe']);
    machine.stop();
  });

  it('a running OS comes back running without booting again; an accepted soft-off and a fire come back off', async () => {
    const m = new LabMachine(spec, FAST_TIMING);
    m.setBootSequence(async () => ({ healthy: true, persona: 'web-02' }));
    const booted = once(m, 'boot');
    m.powerOn();
    await booted;
    const running = m.snapshot();
    expect(running.os).toEqual({ from: 'disk', boot: { healthy: true, persona: 'web-02' } });

    const { machine, bootedFrom } = reborn(running);
    machine.resume();
    expect([machine.powerState, machine.osState, machine.bootResult]).toEqual([
      'on',
      'running',
      { healthy: true, persona: 'web-02' },
    ]);
    expect(bootedFrom).toEqual([]);
    machine.stop();

    expect(m.softOff()).toEqual({ honoured: true });
    expect(m.snapshot()).toMatchObject({ power: 'off' });
    expect(reborn(m.snapshot()).machine.powerState).toBe('off');

    m.powerOn();
    m.setDark(true);
    const burned = reborn(m.snapshot()).machine;
    expect([burned.dark, burned.powerState]).toEqual([true, 'off']);
    // A burned machine finishes nothing it had accepted.
    await new Promise((r) => setTimeout(r, FAST_TIMING.powerDelayMs * 2));
    expect(m.powerState).toBe('off');
    m.stop();
    burned.stop();
  });
});
