import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createBootRouter } from '../../api/routes/boot';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import type { ArrayReplicationDriver } from '../../drivers/storage/replication-driver';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import type { HealthCheck, Topology } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import type { LabBootResult, LabMachine } from '../../lab/lab-machine';
import { startLab } from '../../lab/start-lab';
import { serve } from './api-server';
import { BootLedger } from './boot-ledger';
import { FAST_TIMING } from './lab-fixtures';
import { relocatedTopology } from './relocated-topology';

/**
 * The lab's switches, arrays and boot agent behind a real boot router, changed only through
 * rackshift's drivers over SSH.
 */
export interface BootLab {
  readonly topology: Topology;
  readonly index: TopologyIndex;
  readonly lab: Lab;
  readonly store: BootLedger;
  readonly array: StorageArrayDriver & ArrayReplicationDriver;
  /** A switch driver over SSH, one per switch id, closed by stop(). */
  switch(id: string): SshSwitchDriver;
  stop(): Promise<void>;
}

/**
 * lab-small (or `options.source`) on free ports: switches, arrays and the boot agent (no BMC
 * peers), machines that fetch their iPXE scripts from a boot router serving the assignments of a
 * BootLedger. Lab state changes only through rackshift's own drivers, over SSH, as a runbook would
 * make them. `array` is the driver of `options.array` (default array-1), replication included.
 */
export async function startBootLab(
  prefix: string,
  options: { source?: string; array?: string } = {},
): Promise<BootLab> {
  const topology = (await relocatedTopology(options.source)).topology;
  const index = new TopologyIndex(topology);
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = new BootLedger(index);
  const app = express();
  app.use(createBootRouter({ topology: index, assignments: store, allowFrom: ['127.0.0.1'] }));
  const api = await serve(app);
  const lab = await startLab({
    topology,
    dataDir: join(dir, 'lab'),
    timing: FAST_TIMING,
    apiBaseUrl: api.url,
    only: ['switches', 'arrays', 'boot'],
  });
  const ssh = new Ssh2Connector(new StaticSecretStore(lab.credentials), {
    commandTimeoutMs: 10_000,
  });
  const array = createArrayDriver(index.array(options.array ?? 'array-1'), ssh, {
    replication: topology.replication,
  });
  const switches = new Map<string, SshSwitchDriver>();
  return {
    topology,
    index,
    lab,
    store,
    array,
    switch(id) {
      const existing = switches.get(id);
      if (existing !== undefined) return existing;
      const driver = new SshSwitchDriver(index.switch(id), ssh, { commandTimeoutMs: 10_000 });
      switches.set(id, driver);
      return driver;
    },
    async stop() {
      await array.close();
      for (const sw of switches.values()) await sw.close();
      await lab.stop();
      await api.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Powers a lab machine off (as a pull of the plug would) and waits until it is. */
export async function powerOff(machine: LabMachine): Promise<void> {
  if (machine.powerState === 'off') return;
  const off = once(machine, 'power');
  machine.powerOff();
  await off;
}

/**
 * Powers the machine on from `device` (after a power-off) and resolves with what its boot sequence
 * decided.
 */
export async function bootMachine(
  machine: LabMachine,
  device: 'pxe' | 'disk' = 'pxe',
): Promise<LabBootResult> {
  await powerOff(machine);
  machine.setBootDevice({ device, persistent: false, uefi: false });
  const booted = once(machine, 'boot') as Promise<[LabBootResult]>;
  machine.powerOn();
  return (await booted)[0];
}

/** A persona's health check, at `host` instead of its own address when given (a drill copy's). */
export function healthCheckOf(index: TopologyIndex, persona: string, host?: string): HealthCheck {
  const check = index.persona(persona).health;
  if (check === undefined) throw new Error(`${persona} has no health check`);
  return host === undefined ? check : { ...check, host };
}
