/**
 * What batching buys: 50 VLAN changes queued at once on one lab IOS switch, sent with the
 * default batching (what queues while a session is busy goes out in the next session) and
 * with batches of one change (a session per change, the baseline). Reported as sessions and
 * a time ratio against the baseline run of this same script. Run: npm run bench --
 * switch-batching
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore } from '../common/secrets';
import { Ssh2Connector } from '../drivers/ssh/ssh2-connector';
import { SshSwitchDriver, type SwitchDriverOptions } from '../drivers/switch/ssh-switch-driver';
import type { Lab } from '../lab/lab';
import { startLab } from '../lab/start-lab';
import type { LabSwitchesComponent } from '../lab/switch/start-lab-switches';
import { relocatedTopology } from '../test/support/relocated-topology';
import { benchArgs } from './bench-args';
import { writeResults } from './bench-results';

const CHANGES = 50;
const VLANS = [110, 120, 130, 200, 300, 400];

async function run(
  lab: Lab,
  options: SwitchDriverOptions,
  round: number,
): Promise<{ ms: number; sessions: number }> {
  const switches = lab.components.find((c) => c.kind === 'switches') as LabSwitchesComponent;
  const sw = lab.index.switch('sw-r1');
  const driver = new SshSwitchDriver(
    sw,
    new Ssh2Connector(new StaticSecretStore(lab.credentials)),
    options,
  );
  const before = switches.switch('sw-r1').stats.sessions;
  const start = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: CHANGES }, (_, i) =>
        driver.setAccessVlan(
          `GigabitEthernet3/0/${(i % 25) + 1}`,
          VLANS[(i + round) % VLANS.length] as number,
        ),
      ),
    );
  } finally {
    await driver.close();
  }
  return {
    ms: Number(process.hrtime.bigint() - start) / 1e6,
    sessions: switches.switch('sw-r1').stats.sessions - before,
  };
}

async function main(): Promise<void> {
  const { out } = benchArgs({});
  const dir = await mkdtemp(join(tmpdir(), 'rackshift-bench-'));
  const { topology } = await relocatedTopology();
  const lab = await startLab({ topology, dataDir: dir, only: ['switches'] });
  try {
    const median = async (
      options: SwitchDriverOptions,
    ): Promise<{ ms: number; sessions: number }> => {
      const runs = [];
      for (let round = 0; round < 3; round += 1) runs.push(await run(lab, options, round));
      return runs.sort((a, b) => a.ms - b.ms)[1] as { ms: number; sessions: number };
    };
    const baseline = await median({ maxBatch: 1 });
    const batched = await median({});
    const limit2 = await median({ sessionLimit: 2 });
    const row = (name: string, r: { ms: number; sessions: number }): string =>
      `${name.padEnd(34)} ${String(r.sessions).padStart(3)} sessions  ${r.ms.toFixed(0).padStart(6)} ms  x${(r.ms / baseline.ms).toFixed(2)}`;
    console.log(`${CHANGES} VLAN changes on one lab IOS switch (median of 3)`);
    console.log(row('one change per session (baseline)', baseline));
    console.log(row('batched, session limit 1', batched));
    console.log(row('batched, session limit 2', limit2));
    const file = writeResults(
      'switch-batching',
      { changes: CHANGES, baseline, batched, limit2 },
      out,
    );
    console.log(`results: ${file}`);
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
