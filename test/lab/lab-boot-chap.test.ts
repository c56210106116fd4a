import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { createBootRouter } from '../../api/routes/boot';
import { StaticSecretStore, type SecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { chapResolver } from '../../drivers/storage/chap-account';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Topology } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { serve } from '../support/api-server';
import { bootMachine, powerOff } from '../support/boot-lab';
import { BootLedger } from '../support/boot-ledger';
import { FAST_TIMING } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(60_000);

const M = 'm-r1-01';
const MAC = '52:54:00:00:01:00';
const IQN = 'iqn.2026-11.lab.rackshift:m-r1-01';

/**
 * db-01's LUNs demand CHAP (credential chap-db-01, which the lab generates like every other),
 * and its machine's boot NIC is bound to the address the lab firmware fetches from. Which
 * router answers the firmware is switched per test: the real one with the lab's secrets, one
 * with a wrong secret, one whose topology knows no CHAP (a script without credentials).
 */
describe('a lab machine whose boot LUN demands CHAP', () => {
  let dir: string;
  let lab: Lab;
  let array: StorageArrayDriver;
  let serving: Router;
  let stopApi: () => Promise<void>;
  let chapTopology: TopologyIndex;
  let plainTopology: TopologyIndex;
  let store: BootLedger;

  const router = (topology: TopologyIndex, secrets: SecretStore): Router =>
    createBootRouter({ topology, assignments: store, allowFrom: ['127.0.0.1'], secrets });

  beforeAll(async () => {
    const plain = (await relocatedTopology()).topology;
    const chap: Topology = structuredClone(plain);
    chap.credentials.push({ name: 'chap-db-01', kind: 'chap' });
    chap.personas.find((p) => p.name === 'db-01')!.chap = 'chap-db-01';
    chap.sites
      .flatMap((s) => s.machines)
      .flatMap((m) => m.nics)
      .find((n) => n.mac === MAC)!.bootAddress = '127.0.0.1';
    chapTopology = new TopologyIndex(chap);
    plainTopology = new TopologyIndex(plain);
    dir = await mkdtemp(join(tmpdir(), 'rackshift-lab-chap-'));
    // Both topologies place the MAC on the same machine and site.
    store = new BootLedger(plainTopology, [
      { mac: MAC, persona: 'db-01', image: 'rhel-9-san', machine: M },
    ]);
    const app = express();
    app.use((req, res, next) => serving(req, res, next));
    const api = await serve(app);
    stopApi = () => api.stop();
    lab = await startLab({
      topology: chap,
      dataDir: join(dir, 'lab'),
      timing: FAST_TIMING,
      apiBaseUrl: api.url,
      only: ['switches', 'arrays', 'boot'],
    });
    const secrets = new StaticSecretStore(lab.credentials);
    serving = router(chapTopology, secrets);
    const ssh = new Ssh2Connector(secrets, { commandTimeoutMs: 10_000 });
    array = createArrayDriver(chapTopology.array('array-1'), ssh, {
      chapFor: chapResolver(chapTopology, secrets, 'array-1'),
    });
  });

  afterAll(async () => {
    await array?.close();
    await lab?.stop();
    await stopApi?.();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('boots before CHAP is bound, and once a mask binds it, boots only with the secret in its script', async () => {
    expect(await bootMachine(lab.machine(M))).toMatchObject({ healthy: true, persona: 'db-01' });
    // Off first, as a runbook does: a real tgt-admin --update refuses a target with a session.
    await powerOff(lab.machine(M));
    // db-01 already holds its LUNs: the mask changes no ACL but binds the persona's CHAP account.
    expect(await array.mask('db-01-boot', IQN)).toEqual({ already: true, holdersBefore: [IQN] });
    expect(await bootMachine(lab.machine(M))).toMatchObject({ healthy: true, persona: 'db-01' });
    await powerOff(lab.machine(M));
  });

  it('fails to boot from a script without the CHAP secret, saying so', async () => {
    serving = router(plainTopology, new StaticSecretStore(lab.credentials));
    const result = await bootMachine(lab.machine(M));
    expect(result).toMatchObject({ healthy: false, persona: 'db-01' });
    expect(result.reason).toBe(
      `sanboot of LUN db-01-boot on array-1: login to iqn.2026-11.lab.rackshift:array-1:db-01-boot failed: the target requires CHAP and ${IQN} offered none (Authentication failure)`,
    );
  });

  it('fails to boot from a script with a wrong secret, without repeating any secret', async () => {
    serving = router(
      chapTopology,
      new StaticSecretStore({
        ...lab.credentials,
        'chap-db-01': { username: 'chap-db-01', password: 'Not-The-Secret-123' },
      }),
    );
    const result = await bootMachine(lab.machine(M));
    expect(result).toMatchObject({ healthy: false, persona: 'db-01' });
    expect(result.reason).toBe(
      'sanboot of LUN db-01-boot on array-1: login to iqn.2026-11.lab.rackshift:array-1:db-01-boot as CHAP user chap-db-01 failed: wrong user or secret (Authentication failure)',
    );
    expect(result.reason).not.toContain(lab.credentials['chap-db-01']?.password ?? '?');
  });

  it("keeps the CHAP binding across a restart of the array's tgtd (tgt-admin -e reads it back from the target file)", async () => {
    serving = router(chapTopology, new StaticSecretStore(lab.credentials));
    expect(
      (await fetch(`${lab.controlUrl}/lab/arrays/array-1/restart`, { method: 'POST' })).status,
    ).toBe(200);
    serving = router(plainTopology, new StaticSecretStore(lab.credentials));
    expect((await bootMachine(lab.machine(M))).healthy).toBe(false);
    serving = router(chapTopology, new StaticSecretStore(lab.credentials));
    expect(await bootMachine(lab.machine(M))).toMatchObject({ healthy: true, persona: 'db-01' });
    await powerOff(lab.machine(M));
  });
});
