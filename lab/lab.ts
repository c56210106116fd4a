import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import express from 'express';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { Secret } from '../common/secrets';
import { TopologyIndex } from '../inventory/topology-index';
import type { Topology } from '../inventory/topology-schema';
import { DEFAULT_LAB_TIMING, LabMachine, type LabTiming } from './lab-machine';
import { lockLabDir } from './lab-lock';
import { LabStateFile, parseSection, type LabState } from './lab-state-file';
import type { z } from 'zod';
import type { LabFabricView, LabSanView, LabSwitchView, LabViewProvider } from './lab-views';

/** A running part of the lab (the BMCs of a driver kind, the switches, the arrays…). */
export interface LabComponent extends LabViewProvider {
  readonly kind: string;
  /** A JSON snapshot of its state, for GET /lab/state and for before/after diffs in tests. */
  describe?(): unknown;
  /** What it keeps across a restart of the lab (its section of the state file), if anything. */
  snapshot?(): unknown;
  /** A whole site goes dark or comes back: this component's devices there stop or answer again. */
  setSiteDark?(site: string, dark: boolean): void;
  stop(): Promise<void>;
}

export interface LabOptions {
  readonly topology: Topology;
  /** Folder for lab files (ipmi_sim configs, secrets.yaml, lab-state.json). Created if missing. */
  readonly dataDir: string;
  readonly timing?: Partial<LabTiming>;
  /** Base URL of the rackshift API, where booting lab machines fetch their iPXE scripts. */
  readonly apiBaseUrl?: string;
  /** Port of the lab control server (0: any free port). */
  readonly controlPort?: number;
  /**
   * Start only these kinds of component (default: all). Tests use it to start just what they need.
   */
  readonly only?: readonly string[];
  /**
   * The quirk profile of a machine's BMC, by machine id (default: "default"): for IPMI one of
   * lab/bmc/ipmi-profiles, for Redfish one of lab/bmc/redfish-profiles.
   */
  readonly bmcProfiles?: Readonly<Record<string, string>>;
  /**
   * The boot flags' valid-bit timeout of IPMI profiles that have one (default the spec's 60 s;
   * tests shorten it).
   */
  readonly ipmiBootFlagTimeoutMs?: number;
}

/**
 * Starts one kind of component for the whole lab; returns undefined when nothing of its kind
 * exists.
 */
export type LabComponentStarter = (lab: Lab) => Promise<LabComponent | undefined>;

/** The credentials a lab used before on this folder: a data center keeps its passwords. */
function keptCredentials(file: string): Record<string, Secret> {
  if (!existsSync(file)) return {};
  const kept = parseYaml(readFileSync(file, 'utf8')) as Record<string, Secret> | null;
  return Object.fromEntries(
    Object.entries(kept ?? {}).filter(
      ([, s]) => typeof s?.username === 'string' && typeof s.password === 'string',
    ),
  );
}

/**
 * The simulated data center: one LabMachine per topology machine, plus the peers that speak
 * real protocols (BMCs, switches, arrays) at the addresses the topology gives. Credentials
 * for every named credential are generated at first start and written to
 * `<dataDir>/secrets.yaml` (mode 0600), the file rackshift's workers read. What the hardware
 * holds is kept in `<dataDir>/lab-state.json` on every change and taken back at start (see
 * docs/lab.md), so a restart of the control plane finds the data center as it left it.
 */
export class Lab {
  readonly machines = new Map<string, LabMachine>();
  readonly components: LabComponent[] = [];
  readonly index: TopologyIndex;
  readonly credentials: Readonly<Record<string, Secret>>;
  readonly secretsFile: string;
  /** Routes of the lab control server; components add theirs (e.g. ipmi_sim's chassis_control). */
  readonly control = express.Router();
  controlUrl = '';
  readonly stateFile: LabStateFile;
  /**
   * The state an earlier lab left on this folder; undefined on a first start (or after a reset).
   */
  readonly restored: LabState | undefined;
  /** Set once every component runs: from then on each change is written down. */
  private live = false;
  private unlock: () => void = () => undefined;

  private constructor(readonly options: LabOptions) {
    this.index = new TopologyIndex(options.topology);
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.stateFile = new LabStateFile(options.dataDir);
    this.restored = this.stateFile.read();
    const timing = { ...DEFAULT_LAB_TIMING, ...options.timing };
    for (const m of this.index.allMachines()) {
      const machine = new LabMachine(m, timing);
      const kept = this.restored?.machines[m.id];
      if (kept !== undefined) machine.restore(kept);
      machine.on('state', () => this.changed());
      this.machines.set(m.id, machine);
    }
    this.secretsFile = join(options.dataDir, 'secrets.yaml');
    const kept = keptCredentials(this.secretsFile);
    // 16 characters: IPMI allows 20 bytes of password and ipmi_sim keeps only 19.
    this.credentials = Object.fromEntries(
      options.topology.credentials.map((c) => [
        c.name,
        kept[c.name] ?? {
          // tgt keeps CHAP accounts by user name across targets: each persona's needs its own.
          username: c.kind === 'chap' ? c.name : 'admin',
          password: randomBytes(12).toString('base64url'),
          // Lab IOS/EOS logins land in user EXEC, where `enable` asks for this.
          ...(c.kind !== 'bmc' && { enableSecret: randomBytes(12).toString('base64url') }),
        },
      ]),
    );
    this.unlock = lockLabDir(options.dataDir, 'start another lab on it');
  }

  /**
   * A component's section of the restored state, checked against its schema; undefined on a first
   * start.
   */
  restoredSection<S extends z.ZodType>(kind: string, schema: S): z.output<S> | undefined {
    const section = this.restored?.components[kind];
    return section === undefined
      ? undefined
      : parseSection(this.stateFile.path, kind, schema, section);
  }

  /**
   * Writes the lab's state down; peers call it after each change they make (before they answer).
   */
  changed(): void {
    if (!this.live) return;
    // A section of a component this lab does not run (a lab started without the API boots nothing)
    // is kept as it was.
    const components = {
      ...this.restored?.components,
      ...Object.fromEntries(
        this.components.flatMap((c) => (c.snapshot === undefined ? [] : [[c.kind, c.snapshot()]])),
      ),
    };
    const machines = Object.fromEntries([...this.machines].map(([id, m]) => [id, m.snapshot()]));
    this.stateFile.write({ version: 1, savedAt: new Date().toISOString(), machines, components });
  }

  get topology(): Topology {
    return this.options.topology;
  }

  machine(id: string): LabMachine {
    const m = this.machines.get(id);
    if (m === undefined) throw new Error(`lab has no machine "${id}"`);
    return m;
  }

  /** Every machine of a rack goes dark at once: BMCs stop answering, OSes die. */
  burnRack(rack: string): string[] {
    const burned = [...this.machines.values()].filter((m) => m.spec.rack === rack);
    for (const m of burned) m.setDark(true);
    return burned.map((m) => m.id);
  }

  /**
   * A whole site goes dark (its machines' BMCs and OSes, its arrays and their replication links),
   * or comes back (machines answer, powered off; arrays answer; links try to reconnect). Its
   * switches keep answering, as a rack fire's top-of-rack switch does in burnRack. Returns the
   * site's machines.
   */
  darkSite(site: string, dark: boolean): string[] {
    const there = [...this.machines.values()].filter(
      (m) => this.index.machineSite(m.id).name === site,
    );
    for (const m of there) m.setDark(dark);
    for (const c of this.components) c.setSiteDark?.(site, dark);
    this.changed();
    return there.map((m) => m.id);
  }

  static async start(options: LabOptions, starters: readonly LabComponentStarter[]): Promise<Lab> {
    const lab = new Lab(options);
    try {
      await writeFile(lab.secretsFile, toYaml(lab.credentials), { mode: 0o600 });
      for (const start of starters) {
        const component = await start(lab);
        if (component !== undefined) lab.components.push(component);
      }
    } catch (e) {
      await lab.stop();
      throw e;
    }
    lab.live = true;
    for (const m of lab.machines.values()) m.resume();
    lab.changed();
    return lab;
  }

  /** The switches' port state, when a switch component runs. */
  get switchView(): LabSwitchView | undefined {
    return this.components.find((c) => c.switchView !== undefined)?.switchView;
  }

  /** The arrays' masking state, when an array component runs. */
  get sanView(): LabSanView | undefined {
    return this.components.find((c) => c.sanView !== undefined)?.sanView;
  }

  /** The fabrics' effective zoning, when a fabric component runs. */
  get fabricView(): LabFabricView | undefined {
    return this.components.find((c) => c.fabricView !== undefined)?.fabricView;
  }

  describe(): Record<string, unknown> {
    const machines = Object.fromEntries(
      [...this.machines.values()].map((m) => [
        m.id,
        {
          power: m.powerState,
          os: m.osState,
          dark: m.dark,
          bootOverride: m.bootOverride,
          boot: m.bootResult ?? null,
        },
      ]),
    );
    const components = Object.fromEntries(
      this.components.filter((c) => c.describe).map((c) => [c.kind, c.describe?.()]),
    );
    return { machines, ...components };
  }

  async stop(): Promise<void> {
    // What stopping does to the peers (sessions closed, endpoints down) is not the hardware's
    // state.
    this.live = false;
    for (const c of [...this.components].reverse()) {
      try {
        await c.stop();
      } catch (e) {
        console.error(`lab: stopping ${c.kind} failed: ${(e as Error).message}`);
      }
    }
    this.components.length = 0;
    for (const m of this.machines.values()) m.stop();
    this.unlock();
  }
}
