import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Lab, LabComponent } from '../lab';
import { labKeyFile } from '../lab-keys';
import { DEFAULT_LAB_TIMING } from '../lab-machine';
import { LabHypervisorHost } from './lab-hypervisor-host';
import { startLabSshExecServer, type LabSshExecServer } from '../ssh/lab-ssh-exec-server';

const nicSchema = z.strictObject({
  mac: z.string(),
  bridge: z.string(),
  vlans: z.array(z.number().int()),
});
// JSON drops the keys of absent values, which LabVmDisk spells out as undefined.
const diskSchema = z
  .strictObject({
    targetIqn: z.string(),
    lun: z.number().int(),
    portalAddress: z.string(),
    portalPort: z.number().int(),
    initiator: z.string().optional(),
    bootOrder: z.number().int().optional(),
  })
  .transform((d) => ({ ...d, initiator: d.initiator, bootOrder: d.bootOrder }));
const domainSchema = z.strictObject({
  name: z.string(),
  vcpus: z.number().int(),
  memoryKiB: z.number().int(),
  nics: z.array(nicSchema),
  disks: z.array(diskSchema),
});
const snapshotSchema = z.record(
  z.string(),
  z.strictObject({
    nextId: z.number().int().min(1),
    domains: z.array(
      z.strictObject({
        config: domainSchema,
        uuid: z.string(),
        persistent: z.boolean(),
        ignoresShutdown: z.boolean(),
        running: z.strictObject({ id: z.number().int(), live: domainSchema }).optional(),
      }),
    ),
  }),
);

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
  const kept = lab.restoredSection('hypervisors', snapshotSchema);
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([...hosts.values()].map((h) => h.destroyAll()));
  };
  try {
    for (const machine of machines) {
      const endpoint = machine.spec.hypervisor;
      if (endpoint === undefined) continue;
      const credential = lab.credentials[endpoint.credential];
      if (credential === undefined)
        throw new Error(
          `lab has no credential "${endpoint.credential}" for hypervisor ${machine.id}`,
        );
      const host = new LabHypervisorHost(machine, lab, timing);
      const saved = kept?.[machine.id];
      if (saved !== undefined) host.restore(saved);
      host.onChange = () => lab.changed();
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
    snapshot: () => Object.fromEntries([...hosts].map(([id, h]) => [id, h.snapshot()])),
    stop,
  };
}
