import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import express from 'express';
import { stringify as toYaml } from 'yaml';
import type { Secret } from '../common/secrets';
import { TopologyIndex } from '../inventory/topology-index';
import type { Topology } from '../inventory/topology-schema';
import { DEFAULT_LAB_TIMING, LabMachine, type LabTiming } from './lab-machine';
import type { LabFabricView, LabSanView, LabSwitchView, LabViewProvider } from './lab-views';

/** A running part of the lab (the BMCs of a driver kind, the switches, the arrays…). */
export interface LabComponent extends LabViewProvider {
  readonly kind: string;
  /** A JSON snapshot of its state, for GET /lab/state and for before/after diffs in tests. */
  describe?(): unknown;
  stop(): Promise<void>;
}

export interface LabOptions {
  readonly topology: Topology;
  /** Folder for lab files (ipmi_sim configs, secrets.yaml). Created if missing. */
  readonly dataDir: string;
  readonly timing?: Partial<LabTiming>;
  /** Base URL of the rackshift API, where booting lab machines fetch their iPXE scripts. */
  readonly apiBaseUrl?: string;
  /** Port of the lab control server (0: any free port). */
  readonly controlPort?: number;
  /** Start only these kinds of component (default: all). Tests use it to start just what they need. */
  readonly only?: readonly string[];
  /**
   * The quirk profile of a machine's BMC, by machine id (default: "default"): for IPMI one of
   * lab/bmc/ipmi-profiles, for Redfish one of lab/bmc/redfish-profiles.
   */
  readonly bmcProfiles?: Readonly<Record<string, string>>;
  /** The boot flags' valid-bit timeout of IPMI profiles that have one (default the spec's 60 s; tests shorten it). */
  readonly ipmiBootFlagTimeoutMs?: number;
}

/** Starts one kind of component for the whole lab; returns undefined when nothing of its kind exists. */
export type LabComponentStarter = (lab: Lab) => Promise<LabComponent | undefined>;

/**
 * The simulated data center: one LabMachine per topology machine, plus the peers that speak
 * real protocols (BMCs, switches, arrays) at the addresses the topology gives. Credentials
 * for every named credential are generated at start and written to `<dataDir>/secrets.yaml`
 * (mode 0600), the file rackshift's workers read.
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

  private constructor(readonly options: LabOptions) {
    this.index = new TopologyIndex(options.topology);
    const timing = { ...DEFAULT_LAB_TIMING, ...options.timing };
    for (const m of this.index.allMachines()) this.machines.set(m.id, new LabMachine(m, timing));
    // 16 characters: IPMI allows 20 bytes of password and ipmi_sim keeps only 19.
    this.credentials = Object.fromEntries(
      options.topology.credentials.map((c) => [
        c.name,
        {
          username: 'admin',
          password: randomBytes(12).toString('base64url'),
          // Lab IOS/EOS logins land in user EXEC, where `enable` asks for this.
          ...(c.kind !== 'bmc' && { enableSecret: randomBytes(12).toString('base64url') }),
        },
      ]),
    );
    this.secretsFile = join(options.dataDir, 'secrets.yaml');
  }

  get topology(): Topology { return this.options.topology; }

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

  static async start(options: LabOptions, starters: readonly LabComponentStarter[]): Promise<Lab> {
    const lab = new Lab(options);
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    await writeFile(lab.secretsFile, toYaml(lab.credentials), { mode: 0o600 });
    try {
      for (const start of starters) {
        const component = await start(lab);
        if (component !== undefined) lab.components.push(component);
      }
    } catch (e) {
      await lab.stop();
      throw e;
    }
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
        { power: m.powerState, os: m.osState, dark: m.dark, bootOverride: m.bootOverride, boot: m.bootResult ?? null },
      ]),
    );
    const components = Object.fromEntries(this.components.filter((c) => c.describe).map((c) => [c.kind, c.describe?.()]));
    return { machines, ...components };
  }

  async stop(): Promise<void> {
    for (const c of [...this.components].reverse()) {
      try {
        await c.stop();
      } catch (e) {
        console.error(`lab: stopping ${c.kind} failed: ${(e as Error).message}`);
      }
    }
    this.components.length = 0;
    for (const m of this.machines.values()) m.stop();
  }
}
