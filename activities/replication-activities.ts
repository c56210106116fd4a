import type { ReplicaStatus } from '../drivers/storage/replication-driver';
import {
  NotReplicatedError,
  UnsupportedStorageOperationError,
} from '../drivers/storage/storage-errors';
import type { ActivityDeps } from './activity-deps';
import { withFailureMapping } from './application-failure';

export type ReplicationActivityDeps = Pick<ActivityDeps, 'topology' | 'replicationDriver'>;

export interface LunRef {
  readonly array: string;
  readonly lun: string;
}

/** One replica a failover made read-write, and how much data it may lack. */
export interface ReplicaPromotion {
  readonly persona: string;
  /** The LUN the persona used at home. */
  readonly source: LunRef;
  /** Its replica at the target site, now primary. */
  readonly replica: LunRef;
  readonly mode: 'sync' | 'async';
  /** Writes the replica may lack: 0 for sync, the configured bound for async (its RPO). */
  readonly rpoSeconds: number;
  /** It was primary already (a retried or replayed failover). */
  readonly already: boolean;
  /**
   * Promoted by force: an async replica cut off from its primary cannot know it is up to date,
   * so it comes up with the data of its last sync.
   */
  readonly forced: boolean;
  /** The replica's disk and link state just before: UpToDate/Consistent, Connected/Connecting. */
  readonly diskBefore: string;
  readonly linkBefore: string;
}

/**
 * A writable snapshot of a replica, taken for a drill (SRA testFailoverStart), and what its data
 * is as of: the data point a real failover to the replica would have had.
 */
export interface ReplicaSnapshotTaken {
  /** The replicated LUN at its primary's site. */
  readonly source: LunRef;
  readonly replica: LunRef;
  /** The snapshot's LUN id on the replica's array. */
  readonly snapshot: string;
  /** False when a retried step found it already taken (the times are then the retry's). */
  readonly created: boolean;
  readonly takenAt: string;
  readonly mode: 'sync' | 'async';
  /** What a failover at `takenAt` could have lost: 0 for sync, the configured bound for async. */
  readonly rpoSeconds: number;
  /**
   * The earliest time the snapshot's data may date from (`takenAt` less the RPO); absent when the
   * link was down, so the replica holds the data of the break, whenever that was.
   */
  readonly dataAsOf?: string;
  /** The replica's disk and link state when the snapshot was taken. */
  readonly disk: string;
  readonly link: string;
}

/**
 * Replication for runbooks (thin wrappers over drivers/storage replication): promote the
 * replicas a site failover restores personas from, read a replica's state, and reverse
 * replication (demote, resync) for failback. Every call is idempotent.
 */
export function createReplicationActivities(deps: ReplicationActivityDeps) {
  async function withDriver<T>(
    array: string,
    work: (d: ReturnType<NonNullable<ActivityDeps['replicationDriver']>>) => Promise<T>,
  ): Promise<T> {
    if (deps.replicationDriver === undefined)
      throw new UnsupportedStorageOperationError(
        array,
        'replicate LUNs',
        'this worker has no replication driver configured',
      );
    const driver = deps.replicationDriver(deps.topology.array(array));
    try {
      return await work(driver);
    } finally {
      await driver.close().catch(() => undefined);
    }
  }

  /** Each replicated LUN of the persona: its side at `site` and the other side. */
  function sidesOf(persona: string, site: string): Array<{ here: LunRef; other: LunRef }> {
    return deps.topology.persona(persona).luns.flatMap((l) => {
      const r = deps.topology.replicationOf(l.array, l.lun);
      if (r === undefined) return [];
      const atSite = deps.topology.arraySite(r.source.array).name === site;
      const [here, other] = atSite ? [r.source, r.replica] : [r.replica, r.source];
      return deps.topology.arraySite(here.array).name === site ? [{ here, other }] : [];
    });
  }

  return withFailureMapping({
    /** The persona's replicated LUNs with a side at `site`: that side and the other one. */
    async replicaSidesAt(input: {
      persona: string;
      site: string;
    }): Promise<Array<{ here: LunRef; other: LunRef }>> {
      return Promise.resolve(sidesOf(input.persona, input.site));
    },

    async replicationStatus(input: LunRef): Promise<ReplicaStatus> {
      return withDriver(input.array, (d) => d.replicationStatus(input.lun));
    },

    /**
     * Makes read-write, at `site`, every replica the personas' LUNs have there (their LUNs on
     * arrays elsewhere). A replica whose primary still answers is refused by the array (two
     * primaries): a failover never splits a pair that is alive.
     */
    async promoteReplicas(input: {
      personas: readonly string[];
      site: string;
    }): Promise<ReplicaPromotion[]> {
      const out: ReplicaPromotion[] = [];
      for (const name of input.personas) {
        const persona = deps.topology.persona(name);
        const there = deps.topology.personaAt(persona, input.site).luns;
        for (const [i, home] of persona.luns.entries()) {
          const replica = there[i];
          if (replica === undefined || replica === home) continue;
          const spec = deps.topology.replicationOf(home.array, home.lun);
          if (spec === undefined) continue;
          const done = await withDriver(replica.array, async (d) => {
            const before = await d.replicationStatus(replica.lun);
            const cutOff = before.peer.connection !== 'Connected';
            const force = before.role !== 'primary' && cutOff && before.disk !== 'UpToDate';
            const { already } = await d.promote(replica.lun, { force });
            return { before, force, already };
          });
          out.push({
            persona: name,
            source: { array: home.array, lun: home.lun },
            replica: { array: replica.array, lun: replica.lun },
            mode: spec.mode,
            rpoSeconds: spec.mode === 'sync' ? 0 : (spec.rpoSeconds ?? 0),
            already: done.already,
            forced: done.force,
            diskBefore: done.before.disk,
            linkBefore: done.before.peer.connection,
          });
        }
      }
      return out;
    },

    /**
     * Reprotect after a failover to `site` (SRA reverseReplication): each of the personas' LUNs
     * whose replica at `site` is primary now gets its home side back as the read-only side,
     * which gives up what it wrote since the split and resyncs from `site`. Refused while the
     * home LUN is still masked to an initiator (fence or unmask it first).
     */
    async reprotectReplicas(input: {
      personas: readonly string[];
      site: string;
    }): Promise<Array<{ persona: string; primary: LunRef; secondary: LunRef; link: string }>> {
      const out: Array<{ persona: string; primary: LunRef; secondary: LunRef; link: string }> = [];
      for (const name of input.personas) {
        const persona = deps.topology.persona(name);
        const there = deps.topology.personaAt(persona, input.site).luns;
        for (const [i, home] of persona.luns.entries()) {
          const primary = there[i];
          if (primary === undefined || primary === home) continue;
          const now = await withDriver(primary.array, (d) => d.replicationStatus(primary.lun));
          if (now.role !== 'primary') continue;
          await withDriver(home.array, async (d) => {
            await d.demote(home.lun);
            await d.resync(home.lun, { discardLocal: true });
          });
          const after = await withDriver(primary.array, async (d) => {
            await d.resync(primary.lun);
            return d.replicationStatus(primary.lun);
          });
          out.push({
            persona: name,
            primary: { array: primary.array, lun: primary.lun },
            secondary: { array: home.array, lun: home.lun },
            link: after.peer.connection,
          });
        }
      }
      return out;
    },

    /**
     * Planned switchover to `site` once the personas are stopped and unmasked elsewhere: the
     * other side of each replicated LUN is demoted, then the side at `site` promoted (no force:
     * after a reprotect both hold the same data). Idempotent.
     */
    async switchoverReplicas(input: {
      personas: readonly string[];
      site: string;
    }): Promise<Array<{ persona: string; primary: LunRef; secondary: LunRef }>> {
      const out: Array<{ persona: string; primary: LunRef; secondary: LunRef }> = [];
      for (const name of input.personas) {
        for (const { here, other } of sidesOf(name, input.site)) {
          await withDriver(other.array, (d) => d.demote(other.lun));
          await withDriver(here.array, (d) => d.promote(here.lun));
          out.push({ persona: name, primary: here, secondary: other });
        }
      }
      return out;
    },

    /**
     * A drill's writable snapshot `snapshot` of the replica `lun` on `array` (refused on a primary
     * side or a replica without a consistent data point). Replication is not touched.
     */
    async snapshotReplica(input: LunRef & { snapshot: string }): Promise<ReplicaSnapshotTaken> {
      const spec = deps.topology.replicationOf(input.array, input.lun);
      if (spec === undefined) throw new NotReplicatedError(input.array, input.lun);
      const taken = await withDriver(input.array, (d) =>
        d.snapshotReplica(input.lun, input.snapshot),
      );
      const at = Date.now();
      const rpoSeconds = spec.mode === 'sync' ? 0 : (spec.rpoSeconds ?? 0);
      const link = taken.status.peer.connection;
      const source = spec.source.array === input.array ? spec.replica : spec.source;
      return {
        source: { array: source.array, lun: source.lun },
        replica: { array: input.array, lun: input.lun },
        snapshot: taken.snapshot,
        created: taken.created,
        takenAt: new Date(at).toISOString(),
        mode: spec.mode,
        rpoSeconds,
        ...(link === 'Connected' && {
          dataAsOf: new Date(at - rpoSeconds * 1000).toISOString(),
        }),
        disk: taken.status.disk,
        link,
      };
    },

    /** Deletes a drill's replica snapshot (SRA testFailoverStop); refused while it is masked. */
    async deleteReplicaSnapshot(input: {
      array: string;
      snapshot: string;
    }): Promise<{ deleted: boolean }> {
      return withDriver(input.array, (d) => d.deleteReplicaSnapshot(input.snapshot));
    },

    /** This side read-only again (refused while an initiator has it masked). */
    async demoteReplica(input: LunRef): Promise<{ already: boolean }> {
      return withDriver(input.array, (d) => d.demote(input.lun));
    },

    /** Reconnects this side; `discardLocal` on the side whose writes are given up (reprotect). */
    async resyncReplica(input: LunRef & { discardLocal: boolean }): Promise<void> {
      return withDriver(input.array, (d) =>
        d.resync(input.lun, { discardLocal: input.discardLocal }),
      );
    },
  });
}

export type ReplicationActivities = ReturnType<typeof createReplicationActivities>;
