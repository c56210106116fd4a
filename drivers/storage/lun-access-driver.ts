/** What a mask or unmask call found and did; `holdersBefore` is what a compensation restores. */
export interface MaskResult {
  /** True when nothing had to change (already masked, or already not masked). */
  readonly already: boolean;
  /** The initiators that saw the LUN before the call. */
  readonly holdersBefore: readonly string[];
}

/**
 * Who may see which LUN: iSCSI target ACLs on an array, or zones on an FC fabric. An
 * initiator is an IQN (iSCSI) or a WWPN (FC), validated by pattern before any command is
 * built. Every implementation refuses to give a LUN not marked `shared` a second holder.
 */
export interface LunAccessDriver {
  /** Fast, synchronous check of the configuration; throws ValidationError naming the field. */
  validate(): void;
  /** Idempotent: masking to a holder changes nothing. */
  mask(lun: string, initiator: string): Promise<MaskResult>;
  /** Idempotent: unmasking a non-holder changes nothing. */
  unmask(lun: string, initiator: string): Promise<MaskResult>;
  /** LUN ids the initiator sees, sorted. */
  listVisibleTo(initiator: string): Promise<readonly string[]>;
  /** Initiators that see the LUN, sorted; `ALL` when the device exposes it to everyone. */
  listHolders(lun: string): Promise<readonly string[]>;
  /** Releases the SSH session. Safe to call twice. */
  close(): Promise<void>;
}

/** An iSCSI array (tgt or LIO): masking plus the provisioning that drills and bring-up need. */
export interface StorageArrayDriver extends LunAccessDriver {
  /** Creates the LUN's target and logical unit on its backing store when missing. */
  ensureLun(lun: string): Promise<{ readonly created: boolean }>;
  /**
   * A copy-on-write (where the filesystem allows) copy of a file-backed LUN, as a LUN of its own
   * that nobody sees yet.
   */
  createSnapshotClone(lun: string, cloneId: string): Promise<{ readonly created: boolean }>;
  /**
   * Removes a clone and its backing file; refuses while initiators still see it, and refuses
   * topology LUNs.
   */
  deleteSnapshotClone(cloneId: string): Promise<{ readonly deleted: boolean }>;
}
