import { ValidationError } from '../../common/errors';
import { ID_PATTERN, IQN_PATTERN } from '../../inventory/patterns';
import type { StorageArray } from '../../inventory/topology-schema';

/**
 * tgt grants initiators per target, not per LUN, so every LUN gets a target of its own,
 * named `<array targetIqn>:<lun id>`, holding it as logical unit 1 (tgt keeps LUN 0 for its
 * controller). Masking one LUN therefore never exposes another. LIO uses the same layout so
 * the boot URI and the lab do not depend on the array's kind. Pure: safe in workflow code.
 */
export const LUN_NUMBER = 1;

export function lunTargetIqn(arrayTargetIqn: string, lunId: string): string {
  const iqn = `${arrayTargetIqn}:${lunId}`;
  if (!arrayTargetIqn.startsWith('iqn.') || !IQN_PATTERN.test(iqn)) {
    throw new ValidationError('LUN target name', [
      {
        path: 'targetIqn',
        message: `"${iqn}" is not a valid iqn. name; per-LUN targets need an iqn. (not eui.) array name and a short LUN id`,
      },
    ]);
  }
  return iqn;
}

/** The LUN id of a target this layout created, or undefined for targets it did not. */
export function lunIdOfTarget(arrayTargetIqn: string, targetName: string): string | undefined {
  const prefix = `${arrayTargetIqn}:`;
  if (!targetName.startsWith(prefix)) return undefined;
  const id = targetName.slice(prefix.length);
  return ID_PATTERN.test(id) ? id : undefined;
}

export interface IscsiLunAddress {
  readonly portalAddress: string;
  readonly portalPort: number;
  readonly targetIqn: string;
  readonly lun: number;
}

/** Where an initiator logs in to reach `lunId` on `array`. */
export function iscsiLunAddress(array: StorageArray, lunId: string): IscsiLunAddress {
  return {
    portalAddress: array.portal.address,
    portalPort: array.portal.port,
    targetIqn: lunTargetIqn(array.targetIqn, lunId),
    lun: LUN_NUMBER,
  };
}
