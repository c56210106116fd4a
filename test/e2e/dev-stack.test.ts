import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgs as cli, startDev, type DevProcess } from '../support/dev-process';
import { freePort } from '../support/free-port';
import { ROOT } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(240_000);

describe('rackshift dev', () => {
  let dev: DevProcess | undefined;
  afterAll(async () => {
    await dev?.crash();
  });

  it('starts everything, runs a runbook from the CLI, stops cleanly, and a second start finds the earlier run', async () => {
    const data = mkdtempSync(join(tmpdir(), 'rackshift-dev-'));
    const { file } = await relocatedTopology();
    const [api, temporal, ui, labPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const args = [
      '--data',
      data,
      '--topology',
      file,
      '--api-port',
      String(api),
      '--temporal-port',
      String(temporal),
      '--ui-port',
      String(ui),
      '--lab-port',
      String(labPort),
      '--no-seed',
    ];

    dev = await startDev(args);
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    expect(statSync(join(data, 'admin.token')).mode & 0o777).toBe(0o600);
    expect(dev.output()).toContain(`API          http://127.0.0.1:${api}`);
    // The admin token is named by its file, never printed; the store beside it holds its hash only.
    expect(dev.output()).not.toContain(token);
    expect(dev.output()).toContain(`admin token  in ${join(data, 'admin.token')} (mode 0600`);
    expect(statSync(join(data, 'tokens.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(data, 'tokens.json'), 'utf8')).not.toContain(token.split('.')[2]!);
    expect((await fetch(`http://127.0.0.1:${api}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ui}/`)).status).toBe(200);
    const labState = (await (await fetch(`http://127.0.0.1:${labPort}/lab/state`)).json()) as {
      machines: Record<string, { power: string }>;
    };
    expect(Object.keys(labState.machines)).toHaveLength(8);

    const [node, runArgv] = cli([
      'run',
      'power',
      '--api',
      `http://127.0.0.1:${api}`,
      '--data',
      data,
      '--input',
      '{"machine":"m-r1-03","action":"on"}',
      '--follow',
    ]);
    const run = spawnSync(node, runArgv, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/started power\/m-r1-03\//);
    expect(run.stdout).toMatch(
      /Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/rackshift\/workflows\//,
    );
    expect(run.stdout).toMatch(/✓ wait-state/);
    expect(run.stdout).toMatch(/: Temporal status COMPLETED/);
    const runId = /started (\S+)/.exec(run.stdout)![1]!;

    const [, badArgv] = cli([
      'run',
      'power',
      '--api',
      `http://127.0.0.1:${api}`,
      '--data',
      data,
      '--input',
      '{"machine":"m-r1-03","action":"explode"}',
    ]);
    const bad = spawnSync(node, badArgv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/API 400/);
    expect(bad.stderr).toMatch(/input\.action: /);

    expect(await dev.stop()).toBe(0);
    expect(dev.output()).toContain('rackshift dev: stopped');
    expect(
      spawnSync('pgrep', ['-f', join(data, 'lab')])
        .stdout.toString()
        .trim(),
    ).toBe('');

    dev = await startDev(args);
    // The lab is a data center: the machine the run powered on is still on after the restart.
    const kept = (await (await fetch(`http://127.0.0.1:${labPort}/lab/state`)).json()) as {
      machines: Record<string, { power: string }>;
    };
    expect(kept.machines['m-r1-03']?.power).toBe('on');
    expect(dev.output()).toContain('the lab keeps the state it had at');
    const list = await fetch(`http://127.0.0.1:${api}/api/v1/runs`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { runs } = (await list.json()) as { runs: Array<{ runId: string; status: string }> };
    expect(runs).toContainEqual(expect.objectContaining({ runId, status: 'COMPLETED' }));
    // The site guard started with the first stack is still there (one per site, never a second).
    expect(dev.output()).toMatch(/site guard of \S+: already running/);
    expect(runs.filter((r) => r.runId.startsWith('site-guard/'))).toEqual([
      expect.objectContaining({ status: 'RUNNING' }),
    ]);
    expect(await dev.stop()).toBe(0);
    dev = undefined;
  });
});
