import { ValidationError } from '../../common/errors';
import { idSchema, iqnSchema, wwpnSchema } from '../../inventory/patterns';
import { LunMaskConflictError } from './storage-errors';

function checked(
  field: string,
  schema: typeof idSchema | typeof iqnSchema | typeof wwpnSchema,
  value: string,
): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError('storage request', [
      { path: field, message: parsed.error.issues[0]?.message ?? 'invalid' },
    ]);
  return parsed.data;
}

/** An iSCSI initiator name, validated before any command is built. */
export function iscsiInitiator(value: string): string {
  return checked('initiator', iqnSchema, value);
}

/** An FC initiator port (lower-cased), validated before any command is built. */
export function fcInitiator(value: string): string {
  return checked('initiator', wwpnSchema, value);
}

/** A LUN or clone id as the topology spells them. */
export function lunId(value: string, field = 'lun'): string {
  return checked(field, idSchema, value);
}

/**
 * The safety invariant every masking driver applies before it changes anything: a LUN that
 * is not shared never gets a second holder (a duplicated HBA or a stale mask has taken down
 * whole SANs). Returns whether the mask is already in place.
 */
export function checkMask(
  device: string,
  lun: string,
  shared: boolean,
  holders: readonly string[],
  initiator: string,
): { already: boolean } {
  if (holders.includes(initiator)) return { already: true };
  if (!shared && holders.length > 0)
    throw new LunMaskConflictError(device, lun, holders, initiator);
  return { already: false };
}
