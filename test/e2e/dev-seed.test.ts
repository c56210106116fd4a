import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopologyIndex } from '../../inventory/topology-index';
import { LedgerClient } from '../../temporal/ledger-client';
import { cliArgs, startDev, type DevProcess } from '../support/dev-process';
import { ROOT } from '../support/lab-fixtures';
import { readLab } from '../support/lab-reading';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { relocatedTopology } from '../support/relocated-topology';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(400_000);

/**
 * `rackshift dev --no-worker --temporal HOST:PORT` on a fresh data folder: a Temporal it did
 * not start, no worker of its own. Seeding every persona home waits until a separate
 * `rackshift worker` process polls, then the ledger and the lab agree on every machine. A
 * restart on the same folder keeps what is there and seeds nothing again.
 */
describe('rackshift dev seeds a fresh data center, with an external Temporal and an external worker', () => {
  let temporal: TestTemporal;
  let dev: DevProcess | undefined;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    temporal = await startTestTemporal();
  });

  afterAll(async () => {
    await dev?.crash();
    await worker?.kill('SIGKILL');
    await temporal?.stop();
  });

  it('refuses a malformed --temporal and --temporal with --temporal-port, naming the flags', () => {
    const [node, bad] = cliArgs(['dev', '--temporal', 'no-port-here']);
    const malformed = spawnSync(node, bad, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    // Bad usage exits 2 (cli/exit-codes: the CLI's exit codes say the outcome).
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain(
      "option '--temporal <host:port>' argument 'no-port-here' is invalid. must be HOST:PORT of a Temporal frontend",
    );
    const [, both] = cliArgs(['dev', '--temporal', '127.0.0.1:7233', '--temporal-port', '7234']);
    const conflict = spawnSync(node, both, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(conflict.status).toBe(2);
    expect(conflict.stderr).toContain('--temporal and --temporal-port conflict');
  });

  it('puts every persona on its home through runs an external worker completes; the ledger and the lab agree; a restart keeps it', async () => {
    const { file, topology, freePort } = await relocatedTopology();
    const index = new TopologyIndex(topology);
    const data = mkdtempSync(join(tmpdir(), 'rackshift-dev-seed-'));
    const labPort = await freePort();
    const args = [
      '--data',
      data,
      '--topology',
      file,
      '--api-port',
      String(await freePort()),
      '--lab-port',
      String(labPort),
      '--temporal',
      temporal.address,
      '--no-worker',
    ];
    const homes = topology.personas
      .filter((p) => p.home !== undefined && 'machine' in p.home)
      .map((p) => p.name);
    expect(homes.length).toBeGreaterThan(0);

    dev = await startDev(args);
    expect(dev.output()).toContain(
      `using the Temporal server at ${temporal.address} (not started here)`,
    );
    expect(dev.output()).toContain('worker       none here (--no-worker)');
    expect(existsSync(join(data, 'temporal.db'))).toBe(false);
    expect(JSON.parse(readFileSync(join(data, 'seed.json'), 'utf8'))).toMatchObject({
      state: 'seeding',
    });

    worker = await spawnWorker({
      temporal: temporal.address,
      topologyFile: file,
      secretsFile: join(data, 'lab', 'secrets.yaml'),
    });
    await dev.waitFor(
      `seed: ${homes.length} of ${homes.length} persona(s) running at home`,
      300_000,
    );
    expect(JSON.parse(readFileSync(join(data, 'seed.json'), 'utf8'))).toMatchObject({
      state: 'done',
    });

    const labUrl = `http://127.0.0.1:${labPort}`;
    const ledger = await new LedgerClient(temporal.client).snapshot('dc1');
    const lab = await readLab(labUrl);
    expect(ledgerLabDisagreements(lab, topology, [ledger])).toEqual([]);
    for (const p of homes) {
      const home = (index.persona(p).home as { machine: string }).machine;
      expect({ p, placement: ledger.placements[p], lab: lab.machines[home]?.boot }).toEqual({
        p,
        placement: { kind: 'machine', machine: home },
        lab: { healthy: true, persona: p },
      });
    }
    const runs = [];
    for await (const w of temporal.client.workflow.list({
      query: `WorkflowId STARTS_WITH 'repurpose/' AND ExecutionStatus = 'Completed'`,
    }))
      runs.push(w.workflowId);
    expect(runs.sort()).toEqual(homes.map((p) => `repurpose/${p}/seed`).sort());

    expect(await dev.stop()).toBe(0);
    dev = await startDev(args);
    expect(dev.output()).toContain('the lab keeps the state it had at');
    expect(dev.output()).not.toContain('seed:');
    expect(
      ledgerLabDisagreements(await readLab(labUrl), topology, [
        await new LedgerClient(temporal.client).snapshot('dc1'),
      ]),
    ).toEqual([]);
    expect(await dev.stop()).toBe(0);
    dev = undefined;
  });
});
