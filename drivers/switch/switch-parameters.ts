import { ValidationError } from '../../common/errors';
import type { PortVlanState } from './port-vlan-state';
import type { VendorProfile } from './vendor-profile';

/**
 * Every character a switch command line may contain. Input is checked against the vendor's
 * port pattern first; this is the last gate before a line reaches a session, so that a
 * template or a parser bug cannot smuggle `;`, `|`, quotes or control characters through.
 */
const SAFE_LINE = /^[A-Za-z0-9 _.,:/=+@[\]-]+$/;

export function assertSafeLine(line: string): void {
  if (!SAFE_LINE.test(line)) {
    throw new ValidationError('switch command', [
      { path: 'command', message: 'contains a character that may not reach a switch session' },
    ]);
  }
}

export function checkPort(vendor: VendorProfile, port: unknown, path = 'port'): string {
  if (typeof port !== 'string' || !vendor.portPattern.test(port) || !SAFE_LINE.test(port)) {
    throw new ValidationError('switch port', [
      { path, message: `must be a ${vendor.vendor} port name like ${vendor.portExample}` },
    ]);
  }
  return port;
}

export function checkVlan(vlan: unknown, path = 'vlan'): number {
  if (typeof vlan !== 'number' || !Number.isInteger(vlan) || vlan < 1 || vlan > 4094) {
    throw new ValidationError('switch VLAN', [
      { path, message: 'VLAN must be a whole number 1–4094' },
    ]);
  }
  return vlan;
}

export function checkVlans(vlans: unknown, path = 'trunkVlans'): number[] {
  if (!Array.isArray(vlans))
    throw new ValidationError('switch VLAN list', [{ path, message: 'must be a list of VLANs' }]);
  return vlans.map((v, i) => checkVlan(v, `${path}[${i}]`));
}

/** A desired port state that this vendor can express and read back exactly. */
export function checkDesiredState(
  vendor: VendorProfile,
  state: PortVlanState,
  path = '',
): PortVlanState {
  const at = (field: string): string => (path === '' ? field : `${path}.${field}`);
  if (state.mode !== 'access' && state.mode !== 'trunk')
    throw new ValidationError('switch port state', [
      { path: at('mode'), message: 'must be access or trunk' },
    ]);
  if (state.accessVlan !== undefined) checkVlan(state.accessVlan, at('accessVlan'));
  if (state.trunkVlans !== undefined) {
    checkVlans(state.trunkVlans, at('trunkVlans'));
    if (
      state.trunkVlans.length === 0 &&
      vendor.emptyTrunkList === undefined &&
      (vendor.vlanModel.kind === 'independent' || state.mode === 'trunk')
    ) {
      throw new ValidationError('switch port state', [
        {
          path: at('trunkVlans'),
          message: `${vendor.vendor} cannot carry an empty trunk list; give at least one VLAN`,
        },
      ]);
    }
  }
  if (
    vendor.vlanModel.kind === 'combined' &&
    state.mode === 'trunk' &&
    (state.trunkVlans === undefined || state.trunkVlans.length === 0)
  ) {
    throw new ValidationError('switch port state', [
      { path: at('trunkVlans'), message: `a ${vendor.vendor} trunk needs at least one VLAN` },
    ]);
  }
  if (typeof state.shutdown !== 'boolean')
    throw new ValidationError('switch port state', [
      { path: at('shutdown'), message: 'must be true or false' },
    ]);
  return state;
}
