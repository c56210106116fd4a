import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import type { Replication } from '../../inventory/topology-schema';
import { fail, ok } from './lab-array-model';

export type DrbdRole = 'Primary' | 'Secondary';

/** One array's side of a replicated LUN: a DRBD device under the LUN's target. */
export interface DrbdNode {
  readonly array: string;
  readonly lun: string;
  role: DrbdRole;
  /** UpToDate, or Consistent: an async secondary cut off from its primary cannot know more. */
  disk: 'UpToDate' | 'Consistent';
  /** False after `drbdadm disconnect` or a split brain: StandAlone, not trying to connect. */
  wantsConnection: boolean;
  /**
   * The LUN's contents as a version: each write of the persona on it adds one; a secondary holds
   * the generation of its last sync.
   */
  generation: number;
  /** The generation when the link last broke: a side that wrote since then has diverged. */
  generationAtBreak: number;
}

/** What the lab keeps of a link across a restart. */
export interface DrbdLinkSnapshot {
  readonly resource: string;
  readonly nodes: readonly DrbdNode[];
  readonly reachable: boolean;
  readonly lastSyncAt: number;
}

/**
 * A DRBD resource between two lab arrays at different sites: protocol C (sync: a write is
 * acknowledged once both sides hold it) or protocol A (async). The lab's async link ships the
 * primary's writes at most every RPO (a DRBD Proxy buffer, or a snapshot-shipping schedule, on
 * a long-distance link): the secondary holds the data as of its last sync. `reachable` is false
 * while one side's site is dark.
 */
export class LabDrbdLink {
  readonly resource: string;
  readonly nodes: readonly [DrbdNode, DrbdNode];
  reachable = true;
  lastSyncAt: number;
  /** Lab events, as the kernel logs them ("Split-Brain detected, dropping connection!"). */
  readonly log: string[] = [];

  constructor(
    readonly spec: Replication,
    private readonly now: () => number = Date.now,
  ) {
    this.resource = spec.source.lun;
    const primaryIsSource = spec.direction === 'source-to-replica';
    const node = (ref: Replication['source'], primary: boolean): DrbdNode => ({
      array: ref.array,
      lun: ref.lun,
      role: primary ? 'Primary' : 'Secondary',
      disk: 'UpToDate',
      wantsConnection: true,
      generation: 0,
      generationAtBreak: 0,
    });
    this.nodes = [node(spec.source, primaryIsSource), node(spec.replica, !primaryIsSource)];
    this.lastSyncAt = this.now();
  }

  snapshot(): DrbdLinkSnapshot {
    return {
      resource: this.resource,
      nodes: this.nodes.map((n) => ({ ...n })),
      reachable: this.reachable,
      lastSyncAt: this.lastSyncAt,
    };
  }

  restore(kept: DrbdLinkSnapshot): void {
    kept.nodes.forEach((n, i) => Object.assign(this.nodes[i] ?? {}, n));
    this.reachable = kept.reachable;
    this.lastSyncAt = kept.lastSyncAt;
  }

  node(array: string): DrbdNode | undefined {
    return this.nodes.find((n) => n.array === array);
  }

  private peer(of: DrbdNode): DrbdNode {
    return this.nodes[0] === of ? this.nodes[1] : this.nodes[0];
  }

  /** Both sides try, both are reachable, and at most one is primary: the handshake holds. */
  get connected(): boolean {
    const [a, b] = this.nodes;
    return this.reachable && a.wantsConnection && b.wantsConnection;
  }

  private get rpoMs(): number {
    return this.spec.mode === 'sync' ? 0 : (this.spec.rpoSeconds ?? 0) * 1000;
  }

  /** Ships the primary's data to the secondary when the link is up and a sync is due. */
  private catchUp(force = false): void {
    if (!this.connected) return;
    const primary = this.nodes.find((n) => n.role === 'Primary');
    if (primary === undefined) return;
    if (!force && this.now() - this.lastSyncAt < this.rpoMs) return;
    const secondary = this.peer(primary);
    secondary.generation = primary.generation;
    secondary.disk = 'UpToDate';
    this.lastSyncAt = this.now();
  }

  /**
   * The persona writes to `array`'s side: refused on a secondary (DRBD opens a Secondary
   * read-only: "Wrong medium type").
   */
  write(array: string): string | undefined {
    const node = this.node(array);
    if (node === undefined) return `no DRBD node on ${array}`;
    if (node.role !== 'Primary')
      return `/dev/drbd of ${this.resource} on ${array}: Wrong medium type (DRBD is Secondary)`;
    node.generation += 1;
    this.catchUp(this.spec.mode === 'sync');
    return undefined;
  }

  /** A site goes dark or comes back: the link breaks or may connect again. */
  setReachable(reachable: boolean): void {
    if (!reachable && this.connected) this.broke();
    this.reachable = reachable;
    if (reachable) this.handshake();
  }

  private broke(): void {
    this.catchUp();
    for (const n of this.nodes) {
      n.generationAtBreak = n.generation;
      // An async secondary cannot tell what the primary wrote since the last sync.
      if (n.role === 'Secondary' && this.spec.mode === 'async') n.disk = 'Consistent';
    }
  }

  /**
   * DRBD's handshake when both sides try: two primaries, or two sides that both wrote since the
   * break, are a split brain (both drop to StandAlone) unless one side discards its data.
   */
  private handshake(discarding?: DrbdNode): void {
    if (!this.connected) return;
    const [a, b] = this.nodes;
    const diverged = (n: DrbdNode): boolean => n.generation !== n.generationAtBreak;
    const bothPrimary = a.role === 'Primary' && b.role === 'Primary';
    if (discarding === undefined && (bothPrimary || (diverged(a) && diverged(b)))) {
      a.wantsConnection = false;
      b.wantsConnection = false;
      this.log.push(`${this.resource}: Split-Brain detected, dropping connection!`);
      return;
    }
    this.catchUp(true);
  }

  /** `drbdadm <argv>` on `array`, with drbd-utils 9's output and refusals. */
  drbdadm(array: string, argv: readonly string[]): ExecResult {
    const [verb = '', ...rest] = argv;
    const flags = rest.filter((a) => a.startsWith('--'));
    const node = this.node(array);
    if (node === undefined)
      return fail(`'${rest.at(-1) ?? ''}' not defined in your config (for this host).`, 10);
    const peer = this.peer(node);
    const refused = (code: number, why: string, setup = verb): ExecResult =>
      fail(
        `${this.resource}: State change failed: (${code}) ${why}\nCommand 'drbdsetup ${setup} ${this.resource}' terminated with exit code 11`,
        11,
      );
    switch (verb) {
      case 'status':
        this.catchUp();
        return ok(this.status(node, peer));
      case 'primary':
        if (node.role === 'Primary') return ok();
        if (this.connected && peer.role === 'Primary')
          return refused(-1, 'Multiple primaries not allowed by config');
        if (node.disk !== 'UpToDate' && !flags.includes('--force'))
          return refused(-2, 'Need access to UpToDate data');
        node.role = 'Primary';
        node.disk = 'UpToDate';
        return ok();
      case 'secondary':
        if (node.role === 'Secondary') return ok();
        // A primary that stops writing ships what its link still holds (the send buffer, the
        // proxy's): the final sync of a planned migration. The lab ships it at once.
        this.catchUp(true);
        node.role = 'Secondary';
        return ok();
      case 'connect': {
        if (node.wantsConnection && this.connected)
          return fail(`${this.resource}: Failure: (102) Local address(port) already in use.`, 10);
        if (flags.includes('--discard-my-data')) {
          if (node.role === 'Primary')
            return refused(-1, 'Multiple primaries not allowed by config', 'connect');
          node.wantsConnection = true;
          node.generationAtBreak = node.generation;
          this.handshake(node);
          return ok();
        }
        node.wantsConnection = true;
        this.handshake();
        return ok();
      }
      case 'disconnect':
        if (this.connected) this.broke();
        node.wantsConnection = false;
        return ok();
      default:
        return fail(`drbdadm: Unknown command '${verb}'`, 20);
    }
  }

  private status(node: DrbdNode, peer: DrbdNode): string {
    const head = `${this.resource} role:${node.role}\n  disk:${node.disk}\n`;
    if (!this.connected) {
      const state = node.wantsConnection ? 'Connecting' : 'StandAlone';
      return `${head}  ${peer.array} connection:${state}\n`;
    }
    return `${head}  ${peer.array} role:${peer.role}\n    replication:Established peer-disk:${peer.disk}\n`;
  }
}
