import { startClusterServer, stopClusterServer, type ClusterState } from './temporal-cluster';
import type { WorkerProcess } from './worker-process';

/** One kill of the soak: what died, when, and how long until a replacement answered. */
export interface KillRecord {
  readonly n: number;
  /** Seconds since the soak began. */
  readonly atS: number;
  readonly target: string;
  /** Until the replacement answered (a worker polling, the server serving), ms. */
  readonly backMs: number;
  /** Runs in flight at the kill. */
  readonly inFlight: number;
}

/**
 * The soak's bounded kill loop: after a seeded random pause, SIGKILL one live worker (a new one
 * is started in its slot at once) or the Temporal server (restarted on the same PostgreSQL and
 * ports), until told to stop. The seed fixes the sequence of targets and pauses; the
 * runs' timing around them still varies, so a replay is close, not exact.
 */
export class KillLoop {
  readonly records: KillRecord[] = [];
  /** Pids of every worker the loop started, so the suite can prove none outlived it. */
  readonly pids: number[] = [];
  private readonly slots: Array<WorkerProcess | undefined>;
  private readonly respawns = new Set<Promise<void>>();
  private readonly started = Date.now();

  constructor(
    private readonly o: {
      readonly state: ClusterState;
      readonly random: () => number;
      readonly spawnWorker: () => Promise<WorkerProcess>;
      readonly inFlight: () => number;
      /** Pause between kills: min + random × spread, ms. */
      readonly pauseMs: { readonly min: number; readonly spread: number };
      readonly serverShare: number;
    },
    workers: WorkerProcess[],
  ) {
    this.slots = [...workers];
    for (const w of workers) this.pids.push(w.child.pid!);
  }

  /**
   * Kills until `enough()` says so (asked before and after each pause); then every slot holds a
   * live worker again.
   */
  async run(enough: () => boolean): Promise<void> {
    while (!enough()) {
      await sleep(this.o.pauseMs.min + this.o.random() * this.o.pauseMs.spread);
      if (enough()) break;
      const server = this.o.random() < this.o.serverShare;
      const pick = this.o.random();
      const at = Date.now();
      const inFlight = this.o.inFlight();
      if (server) {
        await stopClusterServer(this.o.state, 'SIGKILL');
        await startClusterServer(this.o.state);
        this.record('temporal-server', at, Date.now() - at, inFlight);
      } else {
        // Both workers dead: the next worker kill waits for one to be back.
        while (this.live().length === 0) await Promise.race([...this.respawns]);
        const live = this.live();
        const slot = live[Math.floor(pick * live.length)]!;
        const killedAt = Date.now();
        await this.slots[slot]!.kill('SIGKILL');
        this.slots[slot] = undefined;
        const n = this.records.length;
        this.record(`worker ${slot + 1}`, killedAt, 0, this.o.inFlight());
        const respawn = this.respawn(slot, killedAt, n);
        this.respawns.add(respawn);
        void respawn.finally(() => this.respawns.delete(respawn));
      }
      const k = this.records.at(-1)!;
      process.stderr.write(
        `chaos soak: kill ${k.n} at ${k.atS.toFixed(1)} s: ${k.target}, ${k.inFlight} runs in flight\n`,
      );
    }
    await Promise.all([...this.respawns]);
  }

  private live(): number[] {
    return this.slots.flatMap((w, i) => (w === undefined ? [] : [i]));
  }

  workers(): WorkerProcess[] {
    return this.slots.filter((w): w is WorkerProcess => w !== undefined);
  }

  elapsedS(): number {
    return (Date.now() - this.started) / 1000;
  }

  private record(target: string, at: number, backMs: number, inFlight: number): void {
    this.records.push({
      n: this.records.length + 1,
      atS: (at - this.started) / 1000,
      target,
      backMs,
      inFlight,
    });
  }

  /**
   * A new worker in the slot; a start that fails (the server was down at its namespace check) is
   * tried again.
   */
  private async respawn(slot: number, killedAt: number, n: number): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const w = await this.o.spawnWorker();
        this.pids.push(w.child.pid!);
        this.slots[slot] = w;
        this.records[n] = { ...this.records[n]!, backMs: Date.now() - killedAt };
        return;
      } catch (e) {
        if (attempt >= 5) throw e;
        await sleep(1000);
      }
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
