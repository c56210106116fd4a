import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore } from '../../common/secrets';
import {
  HypervisorCommandError,
  HypervisorUnavailableError,
  VmNotFoundError,
} from '../../drivers/hypervisor/hypervisor-errors';
import { LibvirtSshDriver } from '../../drivers/hypervisor/libvirt-ssh';
import { personaVmSpec } from '../../drivers/hypervisor/persona-vm-spec';
import type { VmSpec } from '../../drivers/hypervisor/vm-spec';
import { SshUnreachableError } from '../../drivers/ssh/ssh-errors';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Topology } from '../../inventory/topology-schema';
import {
  startLabHypervisors,
  type LabHypervisors,
} from '../../lab/hypervisor/start-lab-hypervisors';
import { Lab, type LabComponent } from '../../lab/lab';
import type { LabMachine } from '../../lab/lab-machine';
import type { LabPortState } from '../../lab/lab-views';
import { FAST_TIMING } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

/**
 * Views the test controls in place of the lab switches and arrays, so that each case sets
 * exactly the port and mask state it needs (lab-hypervisor-real-peers.test.ts does the same
 * through the real lab switch and array, driven by rackshift's drivers).
 */
class StubViews implements LabComponent {
  readonly kind = 'stub-views';
  readonly ports = new Map<string, LabPortState>();
  readonly masks = new Map<string, Set<string>>();
  readonly switchView = {
    portState: (sw: string, port: string) => this.ports.get(`${sw} ${port}`),
  };
  readonly sanView = {
    lunsVisibleTo: (array: string, initiator: string) => [
      ...(this.masks.get(`${array} ${initiator}`) ?? []),
    ],
    lunExists: (array: string, lun: string) =>
      this.topology.sites.some((s) =>
        s.arrays.some((a) => a.id === array && a.luns.some((l) => l.id === lun)),
      ),
    cloneSource: () => undefined,
    loginRefusal: () => undefined,
  };
  constructor(private readonly topology: Topology) {}
  trunk(sw: string, port: string, vlans: number[]): void {
    this.ports.set(`${sw} ${port}`, { mode: 'trunk', trunkVlans: vlans, shutdown: false });
  }
  mask(array: string, lun: string, initiator: string): void {
    const key = `${array} ${initiator}`;
    this.masks.set(key, new Set([...(this.masks.get(key) ?? []), lun]));
  }
  async stop(): Promise<void> {}
}

/** GET on loopback without keep-alive: the status and body, or the connection error's code. */
function httpGet(port: number, path: string): Promise<{ status: number; body: string } | string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

async function powerOnAs(machine: LabMachine, persona: string): Promise<void> {
  machine.setBootSequence(async () => ({ healthy: true, persona }));
  const booted = once(machine, 'boot');
  machine.powerOn();
  await booted;
}

async function powerOff(machine: LabMachine): Promise<void> {
  if (machine.powerState === 'off') return;
  const off = once(machine, 'power');
  machine.powerOff();
  await off;
}

describe('LibvirtSshDriver against the lab hypervisor over ssh2', () => {
  let dataDir: string;
  let lab: Lab;
  let views: StubViews;
  let hypervisors: LabHypervisors;
  let index: TopologyIndex;
  let connector: Ssh2Connector;
  let host: LabMachine;
  let driver: LibvirtSshDriver;
  let web01: VmSpec;
  let healthPort: number;
  const IQN = 'iqn.2026-11.lab.rackshift:m-r2-03';

  beforeAll(async () => {
    const topology = (await relocatedTopology()).topology;
    index = new TopologyIndex(topology);
    dataDir = await mkdtemp(join(tmpdir(), 'rackshift-lab-hv-'));
    views = new StubViews(topology);
    lab = await Lab.start({ topology, dataDir, timing: FAST_TIMING }, [
      async () => views,
      startLabHypervisors,
    ]);
    hypervisors = lab.components.find((c) => c.kind === 'hypervisors') as LabHypervisors;
    connector = new Ssh2Connector(new StaticSecretStore(lab.credentials), {
      connectAttempts: 1,
      commandTimeoutMs: 10_000,
    });
    host = lab.machine('m-r2-03');
    driver = new LibvirtSshDriver(index.machine('m-r2-03'), connector, {
      commandTimeoutMs: 10_000,
    });
    web01 = personaVmSpec(
      index.persona('web-01'),
      index.machine('m-r2-03'),
      index,
      iscsiLunAddress,
    );
    const health = index.persona('web-01').health;
    if (health === undefined) throw new Error('web-01 has no health check');
    healthPort = health.port;
  });

  afterAll(async () => {
    await lab?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts web-01 and waits for its guest to boot; returns what the guest made of it. */
  async function startAndBoot(): Promise<unknown> {
    const vm = hypervisors.host('m-r2-03').vm('web-01');
    if (vm === undefined) throw new Error('web-01 is not defined');
    const booted = once(vm, 'boot');
    await expect(driver.start('web-01')).resolves.toEqual({ already: false });
    return (await booted)[0];
  }

  it('cannot reach a host that is off', async () => {
    expect(host.powerState).toBe('off');
    await expect(driver.list()).rejects.toBeInstanceOf(SshUnreachableError);
  });

  it('finds no libvirt on a host that booted something other than a hypervisor image', async () => {
    const other = lab.machine('m-r2-02');
    await powerOnAs(other, 'web-02');
    await expect(
      new LibvirtSshDriver(index.machine('m-r2-02'), connector).list(),
    ).rejects.toBeInstanceOf(HypervisorUnavailableError);
    await powerOff(other);
  });

  it('defines a persona VM from stdin, idempotently', async () => {
    await powerOnAs(host, 'cluster-a');
    await expect(driver.list()).resolves.toEqual([]);
    await expect(driver.define(web01)).resolves.toEqual({ already: false });
    await expect(driver.define(web01)).resolves.toEqual({ already: true });
    await expect(driver.list()).resolves.toEqual(['web-01']);
    const commands = hypervisors.host('m-r2-03').commands;
    expect(commands.filter((c) => c.includes('define'))).toEqual([
      'virsh -c qemu:///system define /dev/stdin',
      'virsh -c qemu:///system define /dev/stdin',
    ]);
    expect(commands.some((c) => c.includes('<'))).toBe(false);
  });

  it('will not start the VM while its boot LUN is not masked to the host initiator', async () => {
    const error = await driver.start('web-01').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HypervisorCommandError);
    expect((error as HypervisorCommandError).output).toContain(
      `LUN web-01-boot of array-1 is not masked to ${IQN}`,
    );
    expect((await driver.info('web-01')).state).toBe('shut-off');
  });

  it('starts with the LUN masked, but the guest is unhealthy while its VLAN is not trunked to the host', async () => {
    views.mask('array-1', 'web-01-boot', IQN);
    await expect(startAndBoot()).resolves.toEqual({
      healthy: false,
      reason: expect.stringContaining(
        "VLAN 110 of NIC 52:54:00:aa:00:01 is not trunked to host m-r2-03's ports",
      ),
    });
    expect(await httpGet(healthPort, '/healthz')).toBe('ECONNREFUSED');
    await expect(driver.start('web-01')).resolves.toEqual({ already: true });
    await expect(driver.info('web-01')).resolves.toMatchObject({
      name: 'web-01',
      state: 'running',
      vcpus: 8,
      memoryKiB: 32 * 1024 * 1024,
      persistent: true,
    });
    await expect(driver.destroy('web-01')).resolves.toEqual({ already: false });
    await expect(driver.destroy('web-01')).resolves.toEqual({ already: true });
  });

  it('comes up healthy with VLANs trunked and LUNs masked, answering its health check', async () => {
    views.trunk('sw-r2', 'ge-0/0/3', [110, 130, 400]);
    await expect(startAndBoot()).resolves.toEqual({ healthy: true });
    expect(await httpGet(healthPort, '/healthz')).toEqual({ status: 200, body: 'web-01\n' });
  });

  it('shuts down gracefully, and the persona stops answering', async () => {
    await expect(driver.shutdown('web-01', { graceMs: 60_000, pollMs: 50 })).resolves.toEqual({
      already: false,
      forced: false,
    });
    expect((await driver.info('web-01')).state).toBe('shut-off');
    expect(await httpGet(healthPort, '/healthz')).toBe('ECONNREFUSED');
    await expect(driver.shutdown('web-01', { graceMs: 0 })).resolves.toEqual({
      already: true,
      forced: false,
    });
  });

  it('destroys a guest that ignores the graceful request after the grace time', async () => {
    await startAndBoot();
    hypervisors.host('m-r2-03').setGuestIgnoresShutdown('web-01', true);
    await expect(driver.shutdown('web-01', { graceMs: 200, pollMs: 50 })).resolves.toEqual({
      already: false,
      forced: true,
    });
    expect((await driver.info('web-01')).state).toBe('shut-off');
    hypervisors.host('m-r2-03').setGuestIgnoresShutdown('web-01', false);
  });

  it('loses running VMs but keeps definitions when the host loses power', async () => {
    await startAndBoot();
    expect(await httpGet(healthPort, '/healthz')).toEqual({ status: 200, body: 'web-01\n' });
    await powerOff(host);
    expect(await httpGet(healthPort, '/healthz')).toBe('ECONNREFUSED');
    await expect(driver.list()).rejects.toBeInstanceOf(SshUnreachableError);
    await powerOnAs(host, 'cluster-a');
    await expect(driver.list()).resolves.toEqual(['web-01']);
    expect((await driver.info('web-01')).state).toBe('shut-off');
  });

  it('undefines idempotently; an absent VM is not found', async () => {
    await expect(driver.undefine('web-01')).resolves.toEqual({ already: false });
    await expect(driver.undefine('web-01')).resolves.toEqual({ already: true });
    await expect(driver.list()).resolves.toEqual([]);
    await expect(driver.info('web-01')).rejects.toBeInstanceOf(VmNotFoundError);
    await expect(driver.start('web-01')).rejects.toBeInstanceOf(VmNotFoundError);
  });
});
