import type { LabPortState } from '../../lab/lab-views';
import type { LabViewsSnapshot } from '../../lab/lab-views-snapshot';
import type { LabReading } from './ledger-lab-check';

/** A machine as GET /lab/state (Lab.describe) shows it. */
interface DescribedMachine {
  readonly power: string;
  readonly dark: boolean;
  readonly boot: { readonly healthy: boolean; readonly persona?: string } | null;
}

/** What GET /lab/state shows of hypervisor hosts: each domain's state and its guest's boot. */
export interface DescribedHosts {
  readonly [host: string]: {
    readonly domains: Record<
      string,
      { readonly state: string; readonly boot: { readonly healthy: boolean } | null }
    >;
  };
}

/**
 * A running lab read once over its control server, with the raw machine and host views beside the
 * reading.
 */
export interface RemoteLab extends LabReading {
  readonly machines: Readonly<Record<string, DescribedMachine>>;
  readonly hypervisors: DescribedHosts;
}

/**
 * Reads the lab of another process (`rackshift dev`, `rackshift lab start`) through GET
 * /lab/state and GET /lab/views, so the one ledger/lab checker (ledger-lab-check) judges it as
 * it judges a Lab of this process.
 */
export async function readLab(controlUrl: string): Promise<RemoteLab> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${controlUrl}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const state = await get<{
    machines: Record<string, DescribedMachine>;
    hypervisors?: DescribedHosts;
  }>('/lab/state');
  const views = await get<LabViewsSnapshot>('/lab/views');
  return {
    machines: state.machines,
    hypervisors: state.hypervisors ?? {},
    machine(id) {
      const m = state.machines[id];
      if (m === undefined) throw new Error(`lab has no machine "${id}"`);
      return { powerState: m.power, dark: m.dark, bootResult: m.boot ?? undefined };
    },
    switchView: {
      portState: (sw: string, port: string): LabPortState | undefined => views.ports[sw]?.[port],
    },
    sanView: { lunsVisibleTo: (array: string, iqn: string) => views.luns[array]?.[iqn] ?? [] },
  };
}

/**
 * The domains a host of a read lab holds, each with its state (the lab's view, not rackshift's).
 */
export function labVmsOf(lab: RemoteLab, host: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(lab.hypervisors[host]?.domains ?? {}).map(([name, d]) => [name, d.state]),
  );
}
