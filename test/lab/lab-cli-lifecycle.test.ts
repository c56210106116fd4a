import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgs } from '../support/dev-process';
import { ROOT } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(120_000);

/**
 * `rackshift lab start` runs the lab alone on a data folder; `rackshift lab reset` is refused under
 * it and works once it stops.
 */
describe('rackshift lab start and lab reset', () => {
  let lab: ChildProcess | undefined;
  let data: string;

  afterAll(() => {
    lab?.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  });

  const run = (args: string[]) => {
    const [node, argv] = cliArgs(args);
    return spawnSync(node, argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  };

  it('keeps the lab state across lab starts, and resets it only when no lab runs on the folder', async () => {
    const { file, freePort } = await relocatedTopology();
    data = mkdtempSync(join(tmpdir(), 'rackshift-lab-cli-'));
    const port = await freePort();
    const start = async (): Promise<{ child: ChildProcess; out: () => string }> => {
      const [node, argv] = cliArgs([
        'lab',
        'start',
        '--topology',
        file,
        '--data',
        data,
        '--control-port',
        String(port),
      ]);
      const child = spawn(node, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`lab start did not come up:\n${out}`)),
          60_000,
        );
        child.stdout!.on(
          'data',
          () => out.includes('stop: Ctrl-C') && (clearTimeout(timer), resolve()),
        );
        child.once(
          'exit',
          (code) => (
            clearTimeout(timer),
            reject(new Error(`lab start exited with ${code}:\n${out}`))
          ),
        );
      });
      child.removeAllListeners('exit');
      return { child, out: () => out };
    };
    const stop = (child: ChildProcess): Promise<number | null> =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      });

    const first = await start();
    lab = first.child;
    expect(first.out()).toContain('(first state)');
    const burn = await fetch(`http://127.0.0.1:${port}/lab/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"fault":"burn-rack","rack":"r2"}',
    });
    expect(burn.status).toBe(200);

    const refused = run(['lab', 'reset', '--data', data]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `the lab on ${join(data, 'lab')} runs in process ${first.child.pid}; stop it`,
    );
    expect(existsSync(join(data, 'lab', 'lab-state.json'))).toBe(true);
    expect(await stop(first.child)).toBe(0);

    const second = await start();
    lab = second.child;
    expect(second.out()).toContain('state kept from');
    const kept = (await (await fetch(`http://127.0.0.1:${port}/lab/state`)).json()) as {
      machines: Record<string, { dark: boolean }>;
    };
    expect(kept.machines['m-r2-01']?.dark).toBe(true);
    expect(await stop(second.child)).toBe(0);

    const reset = run(['lab', 'reset', '--data', data]);
    expect(reset.status).toBe(0);
    expect(reset.stdout).toContain("reset: it starts in the topology's first state");
    const third = await start();
    lab = third.child;
    expect(third.out()).toContain('(first state)');
    const fresh = (await (await fetch(`http://127.0.0.1:${port}/lab/state`)).json()) as {
      machines: Record<string, { dark: boolean }>;
    };
    expect(fresh.machines['m-r2-01']?.dark).toBe(false);
    expect(await stop(third.child)).toBe(0);
    lab = undefined;
  });
});
