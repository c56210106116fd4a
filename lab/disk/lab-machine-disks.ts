import type { Lab } from '../lab';
import type { LabBootResult, LabMachine } from '../lab-machine';
import { diskBytes, diskSha256 } from './disk-content';
import { LabDiskRefusal } from './lab-disk-refusal';

export interface LabDiskConfig {
  /** Size of a persona's local disk unless `sizes` names it. */
  readonly defaultSizeBytes: number;
  readonly sizes: Readonly<Record<string, number>>;
  /** How fast a helper streams its disk (null: as fast as loopback goes). */
  readonly bytesPerSecond: number | null;
}

const DEFAULT_DISK_CONFIG: LabDiskConfig = {
  defaultSizeBytes: 64 * 1024 * 1024,
  sizes: {},
  bytesPerSecond: null,
};

/**
 * What the disks keep across a lab restart: which OS each disk holds, running helpers, faults,
 * sizes.
 */
export interface LabMachineDisksSnapshot {
  readonly config: LabDiskConfig;
  readonly installed: Readonly<Record<string, string>>;
  readonly helpers: readonly string[];
  readonly drops: Readonly<Record<string, number>>;
}

interface Served {
  bytes: number;
  reads: number;
  drops: number;
}

/**
 * Every lab machine's local disk: it holds the OS of the last persona that booted on the
 * machine (at start, its topology occupant). The disk is readable only while the machine runs
 * the P2V helper, which it can boot only when it is off (so the disk is quiescent); powering
 * the machine on ends the helper. The stream-drop fault cuts a read short once, as a crashed
 * helper or a broken connection would.
 */
export class LabMachineDisks {
  private readonly installed = new Map<string, string>();
  private readonly helpers = new Set<string>();
  private readonly drops = new Map<string, number>();
  private readonly served = new Map<string, Served>();
  config: LabDiskConfig = DEFAULT_DISK_CONFIG;

  constructor(private readonly lab: Lab) {
    for (const m of lab.machines.values()) this.watch(m);
  }

  private watch(machine: LabMachine): void {
    if (machine.spec.occupant !== undefined) this.installed.set(machine.id, machine.spec.occupant);
    machine.on('boot', (result: LabBootResult) => {
      if (result.healthy && result.persona !== undefined)
        this.installed.set(machine.id, result.persona);
    });
    machine.on('power', (state: string) => {
      if (state === 'on') this.helpers.delete(machine.id);
    });
  }

  snapshot(): LabMachineDisksSnapshot {
    return {
      config: this.config,
      installed: Object.fromEntries(this.installed),
      helpers: [...this.helpers],
      drops: Object.fromEntries(this.drops),
    };
  }

  restore(kept: LabMachineDisksSnapshot): void {
    this.config = kept.config;
    this.installed.clear();
    for (const [m, persona] of Object.entries(kept.installed)) this.installed.set(m, persona);
    for (const m of kept.helpers) this.helpers.add(m);
    for (const [m, n] of Object.entries(kept.drops)) this.drops.set(m, n);
  }

  private machine(id: string): LabMachine {
    const m = this.lab.machines.get(id);
    if (m === undefined) throw new LabDiskRefusal(404, `lab has no machine "${id}"`);
    return m;
  }

  sizeOf(persona: string): number {
    return this.config.sizes[persona] ?? this.config.defaultSizeBytes;
  }

  startHelper(id: string): { already: boolean } {
    const m = this.machine(id);
    if (this.helpers.has(id)) return { already: true };
    if (m.dark) throw new LabDiskRefusal(409, `${id} is dark: its BMC does not answer`);
    if (m.powerState !== 'off')
      throw new LabDiskRefusal(
        409,
        `${id} is ${m.powerState}: shut its OS down before booting the P2V helper (a running OS writes to its disk)`,
      );
    if (!this.installed.has(id))
      throw new LabDiskRefusal(404, `${id}'s disk holds no OS (no persona has booted there)`);
    this.helpers.add(id);
    return { already: false };
  }

  stopHelper(id: string): { already: boolean } {
    this.machine(id);
    return { already: !this.helpers.delete(id) };
  }

  /** The persona on the disk and its size; only while the helper runs. */
  disk(id: string): { persona: string; sizeBytes: number } {
    this.machine(id);
    const persona = this.installed.get(id);
    if (!this.helpers.has(id) || persona === undefined)
      throw new LabDiskRefusal(409, `${id} does not run the P2V helper`);
    return { persona, sizeBytes: this.sizeOf(persona) };
  }

  read(id: string, offset: number, length: number): { data: Buffer; drop: boolean } {
    const { persona, sizeBytes } = this.disk(id);
    if (offset + length > sizeBytes)
      throw new LabDiskRefusal(
        422,
        `bytes ${offset}…${offset + length} are past the end of ${id}'s ${sizeBytes}-byte disk`,
      );
    const stats = this.stats(id);
    const left = this.drops.get(id);
    const drop = left === 0;
    if (left !== undefined) {
      if (drop) this.drops.delete(id);
      else this.drops.set(id, left - 1);
    }
    stats.reads += 1;
    stats.bytes += drop ? Math.floor(length / 2) : length;
    if (drop) stats.drops += 1;
    return { data: diskBytes(persona, offset, length), drop };
  }

  sha256(id: string): string {
    const { persona, sizeBytes } = this.disk(id);
    return diskSha256(persona, sizeBytes);
  }

  /** The fault: after `afterChunks` more reads, the next one is cut off half-way (once). */
  dropStreamAfter(id: string, afterChunks: number): void {
    this.machine(id);
    this.drops.set(id, afterChunks);
  }

  /** Bytes the helper of `id` has sent so far (a cut-off read counts what left before the cut). */
  bytesServed(id: string): number {
    return this.served.get(id)?.bytes ?? 0;
  }

  private stats(id: string): Served {
    let s = this.served.get(id);
    if (s === undefined) {
      s = { bytes: 0, reads: 0, drops: 0 };
      this.served.set(id, s);
    }
    return s;
  }

  describe(): unknown {
    const ids = [...new Set([...this.helpers, ...this.served.keys()])].sort();
    return {
      config: this.config,
      machines: Object.fromEntries(
        ids.map((id) => [
          id,
          {
            persona: this.installed.get(id) ?? null,
            helper: this.helpers.has(id),
            ...(this.served.get(id) ?? { bytes: 0, reads: 0, drops: 0 }),
          },
        ]),
      ),
    };
  }
}
