import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabFabricsComponent } from '../../lab/fabric/start-lab-fabrics';
import type { DrillReport } from '../../workflows/dr-drill/drill-report';
import { bubbleOf } from '../support/drill-bubble';
import { writeFcTopology } from '../support/fc-topology';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ROOT } from '../support/lab-fixtures';
import { labHardwareState } from '../support/lab-snapshot';
import { stackApi, startThroughApi } from '../support/stack-api';

jest.setTimeout(600_000);

let stack: FullStack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackshift-fc-drill-'));
  stack = await startFullStack({
    source: (await writeFcTopology(dir, join(ROOT, 'examples', 'rack-fire.yaml'))).file,
  });
});

afterAll(async () => {
  await stack?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const api = stackApi(() => stack);
const fabric = () =>
  (stack.lab.components.find((c) => c.kind === 'fabrics') as LabFabricsComponent).fabric('fab-a');

describe('dr-drill over FC (examples/rack-fire.yaml with a Brocade fabric, rack r1 pretended lost)', () => {
  it("zones each copy's snapshot clones to its spare (the lab boots it only so), then leaves the fabric as it was", async () => {
    const before = labHardwareState(stack.lab);
    const lines = fabric().log.length;
    const runId = await startThroughApi(api, 'dr-drill', {
      racks: ['r1'],
      healthHost: '127.0.0.2',
      healthTimeoutSeconds: 60,
      powerTimeoutSeconds: 60,
      holdSeconds: 1,
      bubble: bubbleOf(stack.topology),
    });
    const report = (await stack.temporal.client.workflow.getHandle(runId).result()) as DrillReport;
    expect(report).toMatchObject({ cleanup: { outcome: 'clean', leftToFix: [] } });
    expect(report.personas.filter((p) => p.outcome === 'restored').length).toBeGreaterThanOrEqual(
      1,
    );
    expect(report.personas.filter((p) => p.outcome === 'failed')).toEqual([]);
    const created = fabric()
      .log.slice(lines)
      .map((l) => l.line)
      .filter((l) => l.startsWith('zonecreate'));
    expect(
      created.some((l) => /^zonecreate "rs_array_1_[a-z0-9_]+_drill_[0-9a-f]{6}"/.test(l)),
    ).toBe(true);
    expect(labHardwareState(stack.lab)).toEqual(before);
  });
});
