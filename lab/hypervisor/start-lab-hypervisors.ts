import { readFileSync } from 'node:fs';
import type { Lab, LabComponent } from '../lab';
import { labKeyFile } from '../lab-keys';
import { DEFAULT_LAB_TIMING } from '../lab-machine';
import { LabHypervisorHost } from './lab-hypervisor-host';
import { startLabSshExecServer, type LabSshExecServer } from '../ssh/lab-ssh-exec-server';

/** The lab's hypervisor hosts, reachable by id for tests and fault injection. */
export interface LabHypervisors extends LabComponent {
  host(machineId: string): LabHypervisorHost;
}

/**
 * A virsh-over-SSH server for every machine with a hypervisor endpoint, at the address the
 * topology gives, with the lab host key; its credential is the lab's generated one.
 */
export async function startLabHypervisors(lab: Lab): Promise<LabHypervisors | undefined> {
  const machines = [...lab.machines.values()].filter((m) => m.spec.hypervisor !== undefined);
  if (machines.length === 0) return undefined;
  const hostKey = readFileSync(labKeyFile('lab_host_ed25519'));
  const timing = { ...DEFAULT_LAB_TIMING, ...lab.options.timing };
  const hosts = new Map<string, LabHypervisorHost>();
  const servers: LabSshExecServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([...hosts.values()].map((h) => h.destroyAll()));
  };
  try {
    for (const machine of machines) {
      const endpoint = machine.spec.hypervisor;
      if (endpoint === undefined) continue;
      const credential = lab.credentials[endpoint.credential];
      if (credential === undefined) throw new Error(`lab has no credential "${endpoint.credential}" for hypervisor ${machine.id}`);
      const host = new LabHypervisorHost(machine, lab, timing);
      hosts.set(machine.id, host);
      servers.push(
        await startLabSshExecServer({
          address: endpoint.address,
          port: endpoint.port,
          hostKey,
          credential,
          readStdin: true,
          reachable: () => host.reachable,
          handle: (command, stdin) => host.run(command, stdin),
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    kind: 'hypervisors',
    host: (id) => {
      const host = hosts.get(id);
      if (host === undefined) throw new Error(`lab has no hypervisor host "${id}"`);
      return host;
    },
    describe: () => Object.fromEntries([...hosts].map(([id, h]) => [id, h.describe()])),
    stop,
  };
}
