import { RackshiftError } from '../../common/errors';

/**
 * Thrown when a LUN not marked `shared` would be masked (or zoned) to a second initiator; names
 * every holder.
 */
export class LunMaskConflictError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'LunMaskConflictError';
  readonly holders: readonly string[];
  constructor(device: string, lun: string, holders: readonly string[], initiator: string) {
    super(
      `LUN ${lun} on ${device} is not shared and is already masked to ${holders.join(', ')}; refusing to mask it to ${initiator} as well (unmask it first)`,
      { context: { device, lun, holders: holders.join(','), initiator } },
    );
    this.holders = Object.freeze([...holders]);
  }
}

/** Thrown when a snapshot clone is deleted while initiators still see it. */
export class LunInUseError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'LunInUseError';
  constructor(device: string, lun: string, holders: readonly string[]) {
    super(
      `LUN ${lun} on ${device} is still masked to ${holders.join(', ')}; unmask it before deleting it`,
      {
        context: { device, lun, holders: holders.join(',') },
      },
    );
  }
}

/**
 * Thrown when an array or fabric rejects a command; retryable when the vendor's error pattern says
 * the condition is transient.
 */
export class StorageCommandError extends RackshiftError {
  override readonly name = 'StorageCommandError';
  constructor(device: string, operation: string, detail: string, retryable: boolean) {
    super(`${device} refused ${operation}: ${detail}`, {
      retryable,
      context: { device, operation },
    });
  }
}

/**
 * Thrown when a device's answer cannot be understood, or a read-back does not show the change just
 * made. Retryable.
 */
export class StorageProtocolError extends RackshiftError {
  override readonly name = 'StorageProtocolError';
  constructor(device: string, detail: string) {
    super(`${device} answered unexpectedly: ${detail}`, { retryable: true, context: { device } });
  }
}

/**
 * Thrown when an operation does not fit the device or LUN (a clone of a block-device LUN, an FC
 * zone config the topology does not name).
 */
export class UnsupportedStorageOperationError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'UnsupportedStorageOperationError';
  constructor(device: string, operation: string, detail: string) {
    super(`${device} cannot ${operation}: ${detail}`, {
      context: { device, operation },
    });
  }
}

/**
 * Thrown when a LUN is masked, cloned or read before its target and logical unit exist on the array
 * (see ensureLun).
 */
export class LunNotProvisionedError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'LunNotProvisionedError';
  constructor(device: string, lun: string) {
    super(`LUN ${lun} does not exist on ${device}; provision it first (ensureLun)`, {
      context: { device, lun },
    });
  }
}

/**
 * Thrown when a replicated LUN is masked to an initiator while this array holds its read-only
 * side (promote it first: a secondary is written by replication only).
 */
export class ReplicaReadOnlyError extends RackshiftError {
  override readonly name = 'ReplicaReadOnlyError';
  constructor(device: string, lun: string, peer: string) {
    super(
      `LUN ${lun} on ${device} is the read-only replica of ${peer}'s; promote it before masking it to an initiator`,
      { retryable: false, context: { device, lun, peer } },
    );
  }
}

/**
 * Thrown when a drill would snapshot a side that is no usable replica: the primary (a drill
 * snapshots the recovery site's read-only side), or a replica whose data is not consistent
 * (Inconsistent or Outdated: mid-resync, or left behind).
 */
export class ReplicaSnapshotRefusedError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'ReplicaSnapshotRefusedError';
  constructor(device: string, lun: string, why: string) {
    super(`refusing to snapshot LUN ${lun} on ${device} for a drill: ${why}`, {
      context: { device, lun },
    });
  }
}

/** Thrown when a replication operation names a LUN that the topology replicates nowhere. */
export class NotReplicatedError extends RackshiftError {
  override readonly name = 'NotReplicatedError';
  constructor(device: string, lun: string) {
    super(`LUN ${lun} on ${device} has no replica (declare it under replication)`, {
      retryable: false,
      context: { device, lun },
    });
  }
}
