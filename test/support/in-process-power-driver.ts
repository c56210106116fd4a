import { BmcAuthError, BmcUnreachableError } from '../../drivers/power/power-errors';
import type {
  BootDeviceRequest,
  BootDeviceState,
  PowerAction,
  PowerActionResult,
  PowerDriver,
  PowerState,
} from '../../drivers/power/power-driver';
import type { LabMachine } from '../../lab/lab-machine';

/**
 * The fake PowerDriver: calls a LabMachine directly, no protocol in between. Workflow tests
 * that are about Temporal behaviour (not BMC protocols) use it; driver suites test the real
 * protocols against ipmi_sim, the lab Redfish BMC and sushy-tools.
 */
export class InProcessPowerDriver implements PowerDriver {
  constructor(private readonly machine: LabMachine) {}

  private ctx() {
    return { machineId: this.machine.id, bmcAddress: 'in-process' };
  }

  private guard(): void {
    if (this.machine.dark) throw new BmcUnreachableError(this.ctx(), 'no answer (dark)');
    if (this.machine.rejectAuth) throw new BmcAuthError(this.ctx(), 'invalid credentials');
  }

  validate(): void {}

  async powerState(): Promise<PowerState> {
    this.guard();
    return this.machine.powerState;
  }

  async power(action: PowerAction): Promise<PowerActionResult> {
    this.guard();
    const state = this.machine.powerState;
    if (
      (action === 'on' && state === 'on') ||
      ((action === 'off' || action === 'soft') && state === 'off')
    ) {
      return { action, already: true, stateAfter: state };
    }
    if (action === 'on') this.machine.powerOn();
    else if (action === 'off') this.machine.powerOff();
    else if (action === 'soft') this.machine.softOff();
    else this.machine.cycle();
    return { action, already: false, stateAfter: this.machine.powerState };
  }

  async setBootDevice(request: BootDeviceRequest): Promise<BootDeviceState> {
    this.guard();
    this.machine.setBootDevice(request);
    return this.bootDevice();
  }

  async bootDevice(): Promise<BootDeviceState> {
    this.guard();
    const o = this.machine.bootOverride;
    return {
      device: o.device === 'pxe' || o.device === 'disk' ? o.device : 'other',
      persistent: o.persistent,
      uefi: o.uefi,
    };
  }

  async close(): Promise<void> {}
}
