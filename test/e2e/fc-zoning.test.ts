import { WorkflowFailedError } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabFabricsComponent } from '../../lab/fabric/start-lab-fabrics';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { FC_TARGET_PORT, writeFcTopology, type FcTopology } from '../support/fc-topology';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';

jest.setTimeout(240_000);

let stack: FullStack;
let dir: string;
let seq = 0;
let fc: FcTopology;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackshift-fc-'));
  fc = await writeFcTopology(dir);
  stack = await startFullStack({ source: fc.file });
});

afterAll(async () => {
  await stack?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const execute = (workflow: string, persona: string, input: object) =>
  stack.temporal.client.workflow.execute(workflow, {
    taskQueue: TASK_QUEUE,
    workflowId: `${workflow}/${persona}/t${++seq}`,
    args: [{ persona, ...input }],
  }) as Promise<RunbookReport>;
const fabric = () =>
  (stack.lab.components.find((c) => c.kind === 'fabrics') as LabFabricsComponent).fabric('fab-a');
const ports = (machine: string): readonly string[] => fc.wwpns[machine] ?? [];

describe('FC zoning in the runbooks (full lab with a Brocade fabric)', () => {
  it('starts as the data center runs: db-01 zoned to its home machine', () => {
    for (const wwpn of ports('m-r1-01'))
      expect(fabric().zonesOf(wwpn)).toEqual(['rs_array_1_db_01_boot', 'rs_array_1_db_01_data']);
  });

  it("repurpose zones the FC machine to its persona's LUN with its LUN masks; release unzones it; the fabric ends as it began", async () => {
    const before = labHardwareState(stack.lab);
    await expect(
      execute('repurpose', 'app-01', { machine: 'm-r1-03', healthTimeoutSeconds: 60 }),
    ).resolves.toMatchObject({ outcome: 'completed' });
    for (const wwpn of ports('m-r1-03'))
      expect(fabric().zonesOf(wwpn)).toEqual(['rs_array_1_app_01_boot']);
    const zoned = fabric().describe() as {
      defined: { zones: Record<string, string[]> };
      effective: { zones: Record<string, string[]> };
    };
    expect([...(zoned.effective.zones.rs_array_1_app_01_boot ?? [])].sort()).toEqual(
      [...ports('m-r1-03'), FC_TARGET_PORT].sort(),
    );
    expect(zoned.defined.zones).toEqual(zoned.effective.zones);
    expect(fabric().zoning.transaction).toBeUndefined();

    await expect(
      execute('release', 'app-01', { graceSeconds: 30, powerTimeoutSeconds: 30 }),
    ).resolves.toMatchObject({ outcome: 'completed' });
    for (const wwpn of ports('m-r1-03')) expect(fabric().zonesOf(wwpn)).toEqual([]);
    expect(labHardwareState(stack.lab).zoning).toEqual(before.zoning);
  });

  it('a fault mid-run (the machine never boots) undoes the zoning with everything else', async () => {
    const before = labHardwareState(stack.lab);
    const lines = fabric().log.length;
    stack.lab.machine('m-r1-04').bootHangs = true;
    const e = await execute('repurpose', 'app-01', {
      machine: 'm-r1-04',
      healthTimeoutSeconds: 5,
    }).catch((err: unknown) => err);
    stack.lab.machine('m-r1-04').bootHangs = false;
    expect(e).toBeInstanceOf(WorkflowFailedError);
    const report = ((e as WorkflowFailedError).cause as { details?: unknown[] })
      .details?.[0] as RunbookReport;
    expect(report).toMatchObject({ outcome: 'compensated', leftToFix: [] });
    // It did zone m-r1-04 before the boot failed, and took the zone away again.
    expect(
      fabric()
        .log.slice(lines)
        .map((l) => l.line),
    ).toContain(`zonecreate "rs_array_1_app_01_boot", "${ports('m-r1-04')[0]}; ${FC_TARGET_PORT}"`);
    expect(labHardwareState(stack.lab)).toEqual(before);
  });

  it("hypervisor-bringup zones the new host's HBA ports to the shared datastore LUN", async () => {
    await expect(
      stack.temporal.client.workflow.execute('hypervisorBringup', {
        taskQueue: TASK_QUEUE,
        workflowId: `hypervisor-bringup/m-r2-03/t${++seq}`,
        args: [{ machine: 'm-r2-03', readyTimeoutSeconds: 60 }],
      }),
    ).resolves.toMatchObject({ outcome: 'completed' });
    for (const wwpn of ports('m-r2-03'))
      expect(fabric().zonesOf(wwpn)).toEqual(['rs_array_1_vmstore_1']);
    const zoned = fabric().describe() as { effective: { zones: Record<string, string[]> } };
    expect(zoned.effective.zones.rs_array_1_vmstore_1).toEqual(
      expect.arrayContaining([...ports('m-r2-03'), FC_TARGET_PORT]),
    );
  });
});
