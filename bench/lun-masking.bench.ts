/**
 * Cost of the masking safety loop (read the array, check the one-holder rule, change, read
 * back) against a slow array: time to move two LUNs from one initiator to another through
 * the lab array over SSH, at 0, 20 and 100 ms of injected array latency. Reported as a
 * ratio against the no-latency run of this same script. Run: npm run bench -- lun-masking
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore } from '../common/secrets';
import { Ssh2Connector } from '../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../drivers/storage/create-array-driver';
import { TopologyIndex } from '../inventory/topology-index';
import type { LabArraysComponent } from '../lab/san/start-lab-arrays';
import { startLab } from '../lab/start-lab';
import { relocatedTopology } from '../test/support/relocated-topology';
import { benchArgs } from './bench-args';
import { writeResults } from './bench-results';

const FROM = 'iqn.2026-11.lab.rackshift:m-r1-01';
const TO = 'iqn.2026-11.lab.rackshift:m-r1-03';
const LUNS = ['db-01-boot', 'db-01-data'];

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rackshift-bench-'));
  const { topology } = await relocatedTopology();
  const lab = await startLab({ topology, dataDir: dir, only: ['arrays'] });
  const arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
  const driver = createArrayDriver(
    new TopologyIndex(topology).array('array-1'),
    new Ssh2Connector(new StaticSecretStore(lab.credentials)),
  );
  const { out } = benchArgs({});
  const rows: string[] = [];
  const data: { latencyMs: number; medianMsPerMove: number }[] = [];
  let baseline = NaN;
  try {
    await driver.listHolders(LUNS[0] ?? '');
    for (const latency of [0, 20, 100]) {
      arrays.array('array-1').latencyMs = latency;
      const times: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const [from, to] = i % 2 === 0 ? [FROM, TO] : [TO, FROM];
        const start = process.hrtime.bigint();
        for (const lun of LUNS) await driver.unmask(lun, from);
        for (const lun of LUNS) await driver.mask(lun, to);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      const ms = times.sort((a, b) => a - b)[2] ?? NaN;
      if (latency === 0) baseline = ms;
      data.push({ latencyMs: latency, medianMsPerMove: ms });
      const commands = (arrays.array('array-1').describe() as { commands: number }).commands;
      rows.push(
        `${String(latency).padStart(4)} ms array latency  ${ms.toFixed(1).padStart(8)} ms per move  x${(ms / baseline).toFixed(1).padStart(5)}  (${commands} commands so far)`,
      );
    }
  } finally {
    await driver.close();
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    [
      'lun masking: median time to move 2 LUNs between initiators (unmask + mask, each read, change, read back)',
      ...rows,
    ].join('\n'),
  );
  console.log(`results: ${writeResults('lun-masking', data, out)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
