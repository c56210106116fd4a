import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { ROOT } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(240_000);

/** `rackshift dev` as an operator runs it: its own process tree, then the CLI against its API. */
const cli = (args: string[]) => [process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'bin.ts'), ...args]] as const;

interface Dev {
  child: ChildProcess;
  output(): string;
}

async function startDev(args: string[]): Promise<Dev> {
  const [node, argv] = cli(['dev', ...args]);
  const child = spawn(node, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rackshift dev did not come up:\n${out}`)), 180_000);
    child.stdout!.on('data', () => {
      if (out.includes('stop: Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rackshift dev exited with ${code}:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, output: () => out };
}

function stopDev(dev: Dev): Promise<number | null> {
  return new Promise((resolve) => {
    dev.child.once('exit', (code) => resolve(code));
    dev.child.kill('SIGTERM');
  });
}

describe('rackshift dev', () => {
  let dev: Dev | undefined;
  afterAll(() => {
    dev?.child.kill('SIGKILL');
  });

  it('starts everything, runs a runbook from the CLI, stops cleanly, and a second start finds the earlier run', async () => {
    const data = mkdtempSync(join(tmpdir(), 'rackshift-dev-'));
    const { file } = await relocatedTopology();
    const [api, temporal, ui, labPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const args = ['--data', data, '--topology', file, '--api-port', String(api), '--temporal-port', String(temporal), '--ui-port', String(ui), '--lab-port', String(labPort)];

    dev = await startDev(args);
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    expect(statSync(join(data, 'admin.token')).mode & 0o777).toBe(0o600);
    expect(dev.output()).toContain(`API          http://127.0.0.1:${api}`);
    expect(dev.output()).toContain(token);
    expect((await fetch(`http://127.0.0.1:${api}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ui}/`)).status).toBe(200);
    const labState = (await (await fetch(`http://127.0.0.1:${labPort}/lab/state`)).json()) as { machines: Record<string, { power: string }> };
    expect(Object.keys(labState.machines)).toHaveLength(8);

    const [node, runArgv] = cli(['run', 'power', '--api', `http://127.0.0.1:${api}`, '--data', data, '--input', '{"machine":"m-r1-03","action":"on"}', '--follow']);
    const run = spawnSync(node, runArgv, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/started power\/m-r1-03\//);
    expect(run.stdout).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\//);
    expect(run.stdout).toMatch(/✓ wait-state/);
    expect(run.stdout).toMatch(/: COMPLETED/);
    const runId = /started (\S+)/.exec(run.stdout)![1]!;

    const [, badArgv] = cli(['run', 'power', '--api', `http://127.0.0.1:${api}`, '--data', data, '--input', '{"machine":"m-r1-03","action":"explode"}']);
    const bad = spawnSync(node, badArgv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/API 400/);
    expect(bad.stderr).toMatch(/input\.action: /);

    expect(await stopDev(dev)).toBe(0);
    expect(dev.output()).toContain('rackshift dev: stopped');
    expect(spawnSync('pgrep', ['-f', join(data, 'lab')]).stdout.toString().trim()).toBe('');

    dev = await startDev(args);
    const list = await fetch(`http://127.0.0.1:${api}/api/v1/runs`, { headers: { authorization: `Bearer ${token}` } });
    const { runs } = (await list.json()) as { runs: Array<{ runId: string; status: string }> };
    expect(runs).toContainEqual(expect.objectContaining({ runId, status: 'COMPLETED' }));
    // The site guard started with the first stack is still there (one per site, never a second).
    expect(dev.output()).toMatch(/site guard of \S+: already running/);
    expect(runs.filter((r) => r.runId.startsWith('site-guard/'))).toEqual([expect.objectContaining({ status: 'RUNNING' })]);
    expect(await stopDev(dev)).toBe(0);
    dev = undefined;
  });
});
