/**
 * A replicated LUN as one array sees it: its own role and disk, and its peer (the array at the
 * other site) as far as the replication link tells.
 */
export interface ReplicaStatus {
  readonly lun: string;
  /** The replication resource both arrays know the pair by. */
  readonly resource: string;
  /** primary: read-write here; secondary: read-only here, written only by replication. */
  readonly role: 'primary' | 'secondary';
  /** DRBD's disk state: UpToDate, Consistent (may be behind), Outdated, Inconsistent… */
  readonly disk: string;
  readonly peer: {
    readonly name: string;
    /** Connected, or why not: Connecting (peer unreachable), StandAlone (not trying). */
    readonly connection: string;
    readonly role?: 'primary' | 'secondary';
    /** Established, SyncSource, SyncTarget… (only while connected). */
    readonly replication?: string;
    readonly disk?: string;
  };
}

/**
 * The replication operations of an array, in the style of SRM's storage replication adapters
 * (querySyncStatus, failover, prepareReverseReplication/reverseReplication, testFailoverStart)
 * and Cinder's failover_host: each acts on this array's side of a replicated LUN only; a
 * reversal is the new primary's `resync` after the old primary's `demote` and
 * `resync({ discardLocal: true })`.
 */
export interface ArrayReplicationDriver {
  replicationStatus(lun: string): Promise<ReplicaStatus>;
  /**
   * Makes this side read-write. `force` promotes a replica that cannot know it is up to date (an
   * async replica whose primary is gone), accepting the loss of what it had not received.
   * Idempotent: a primary stays one.
   */
  promote(lun: string, options?: { force?: boolean }): Promise<{ readonly already: boolean }>;
  /** Makes this side read-only again; refused while an initiator still has it masked. */
  demote(lun: string): Promise<{ readonly already: boolean }>;
  /**
   * Reconnects this side to its peer. `discardLocal` throws away what this side wrote since the
   * link broke and takes the peer's data (the old primary, when replication is reversed).
   */
  resync(lun: string, options?: { discardLocal?: boolean }): Promise<void>;
  /**
   * SRA testFailoverStart for one device: a writable snapshot `snapshotId` of this side, which must
   * be the read-only replica (a drill at the recovery site), holding its data as of now. The pair
   * is not touched: no promote, no pause; the replica keeps receiving syncs. Idempotent.
   */
  snapshotReplica(lun: string, snapshotId: string): Promise<ReplicaSnapshot>;
  /** SRA testFailoverStop for one device: deletes a replica's snapshot (refused while masked). */
  deleteReplicaSnapshot(snapshotId: string): Promise<{ readonly deleted: boolean }>;
}

/** A replica's snapshot, and the replica's state when it was taken (what its data is as of). */
export interface ReplicaSnapshot {
  readonly snapshot: string;
  /** False when the snapshot existed already (a retried or replayed step): `status` is now's. */
  readonly created: boolean;
  readonly status: ReplicaStatus;
}
