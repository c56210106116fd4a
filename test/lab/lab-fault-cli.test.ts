import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopologyFile } from '../../inventory/load-topology';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { freePort } from '../support/free-port';
import { ROOT } from '../support/lab-fixtures';
import { runCli } from '../support/run-cli';

/** The lab's control server alone (no BMC or switch peers): faults only flip lab machine state. */
describe('rackshift lab fault against the lab control server', () => {
  let dataDir: string;
  let lab: Lab;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rackshift-lab-fault-cli-'));
    lab = await startLab({
      topology: await loadTopologyFile(join(ROOT, 'examples', 'rack-fire.yaml')),
      dataDir,
      only: [],
    });
  });

  afterAll(async () => {
    await lab?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rackshift = (...args: string[]): Promise<string> => runCli(args);

  const dark = (): string[] =>
    [...lab.machines.values()]
      .filter((m) => m.dark)
      .map((m) => m.id)
      .sort();
  const r1 = (): string[] =>
    [...lab.machines.values()]
      .filter((m) => m.spec.rack === 'r1')
      .map((m) => m.id)
      .sort();

  afterEach(() => {
    for (const m of lab.machines.values()) m.setDark(false);
  });

  it('burns a rack: every machine of it goes dark, no other', async () => {
    const out = await rackshift('lab', 'fault', 'burn-rack', 'r1', '--lab', lab.controlUrl);
    expect(out).toBe(`rack r1 burns: 20 machine(s) dark (${r1().join(', ')})`);
    expect(dark()).toEqual(r1());
  });

  it('darkens one machine and lights it again (off); RACKSHIFT_LAB stands in for --lab; --json prints the answer', async () => {
    process.env.RACKSHIFT_LAB = lab.controlUrl;
    try {
      expect(await rackshift('lab', 'fault', 'dark', 'm-r2-01')).toBe('m-r2-01: dark');
      expect(dark()).toEqual(['m-r2-01']);
      expect(
        JSON.parse(await rackshift('lab', 'fault', 'dark', 'm-r2-01', '--off', '--json')),
      ).toEqual({
        applied: { fault: 'dark', machine: 'm-r2-01', on: false },
        machines: ['m-r2-01'],
      });
      expect(dark()).toEqual([]);
      expect(lab.machine('m-r2-01').powerState).toBe('off');
    } finally {
      delete process.env.RACKSHIFT_LAB;
    }
  });

  it('says so when the lab has no such rack or machine, and changes nothing', async () => {
    await expect(
      rackshift('lab', 'fault', 'burn-rack', 'r9', '--lab', lab.controlUrl),
    ).rejects.toThrow('the lab has no machine in rack "r9"');
    await expect(
      rackshift('lab', 'fault', 'dark', 'm-r9-01', '--lab', lab.controlUrl),
    ).rejects.toThrow('lab 404: lab has no machine "m-r9-01"');
    expect(dark()).toEqual([]);
  });

  it('refuses ids that are not ids before it sends anything', async () => {
    const fetched = jest.spyOn(globalThis, 'fetch');
    try {
      await expect(
        rackshift('lab', 'fault', 'burn-rack', 'R1', '--lab', lab.controlUrl),
      ).rejects.toThrow(/argument 'rack'.*must be a rack id/);
      await expect(
        rackshift('lab', 'fault', 'dark', 'm-r1-01;reboot', '--lab', lab.controlUrl),
      ).rejects.toThrow(/argument 'machine'.*must be a machine id/);
      expect(fetched).not.toHaveBeenCalled();
    } finally {
      fetched.mockRestore();
    }
    expect(dark()).toEqual([]);
  });

  it('names the URL it could not reach', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(rackshift('lab', 'fault', 'burn-rack', 'r1', '--lab', url)).rejects.toThrow(
      `cannot reach the lab control server at ${url}`,
    );
  });
});
