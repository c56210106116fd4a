import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/lab-fixtures';

jest.setTimeout(180_000);

const DIR = join(__dirname, '..', 'fixtures', 'histories');
const replay = (dir: string) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test', 'replay', 'replay-histories.ts'), dir],
    { cwd: ROOT, encoding: 'utf8', timeout: 150_000 },
  );

/**
 * Replays real histories of every runbook and of the site ledger (recorded with
 * `npx tsx test/replay/record-histories.ts`) against today's workflow code. A change that is
 * not deterministic — a step moved, added or removed without `patched()` — fails here.
 */
describe('replay of recorded histories', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has a history of every runbook and of the ledger', () => {
    // `<kind>-<n>.json`, or `<kind>-<n>.<patch id>.json` recorded after a patched change.
    const kinds = new Set(files.map((f) => f.replace(/-\d+(?:\.[a-z0-9-]+)?\.json$/, '')));
    expect([...kinds].sort()).toEqual([
      'dr-drill',
      'drill-copy',
      'failback',
      'hypervisor-bringup',
      'ledger',
      'p2v',
      'power',
      'release',
      'repurpose',
      'site-failover',
      'site-guard',
      'v2p',
      'vm-restart',
    ]);
  });

  it('replays every one without a non-determinism error', () => {
    const r = replay(DIR);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(files.map((f) => `ok ${f}`));
    expect(r.status).toBe(0);
  });

  it('would catch a non-deterministic change (a history whose steps differ from the code)', () => {
    // Swap the activity type of the power run's first scheduled activity: the code schedules
    // something else at that point, exactly what reordering steps without a patch does.
    const history = JSON.parse(
      readFileSync(join(DIR, files.find((f) => f.startsWith('power-'))!), 'utf8'),
    ) as { events: Array<Record<string, { activityType?: { name: string } }>> };
    const scheduled = history.events.find(
      (e) => e.activityTaskScheduledEventAttributes,
    )!.activityTaskScheduledEventAttributes!;
    scheduled.activityType = { name: 'waitForPowerState' };
    const dir = mkdtempSync(join(tmpdir(), 'rackshift-replay-'));
    writeFileSync(join(dir, 'power-tampered.json'), JSON.stringify(history));
    const r = replay(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL power-tampered\.json: .*[Nn]ondetermin/m);
  });
});
