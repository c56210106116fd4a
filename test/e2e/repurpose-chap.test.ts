import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { LAB_SMALL } from '../support/lab-fixtures';

jest.setTimeout(180_000);

interface RawTopology {
  credentials: Array<{ name: string; kind?: string }>;
  personas: Array<{ name: string; chap?: string }>;
  sites: Array<{ machines: Array<{ nics: Array<{ bootAddress?: string }> }> }>;
}

/**
 * Every string in a history, payload bytes decoded as UTF-8 (JSON.stringify would show them as
 * numbers).
 */
function historyText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) historyText(v, out);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) historyText(v, out);
  return out;
}

let stack: FullStack;
let dir: string;

/**
 * lab-small with web-01's LUNs behind CHAP, and every machine's boot NIC bound to the address the
 * lab firmware fetches from.
 */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackshift-e2e-chap-'));
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as RawTopology;
  raw.credentials.push({ name: 'chap-web-01', kind: 'chap' });
  raw.personas.find((p) => p.name === 'web-01')!.chap = 'chap-web-01';
  for (const m of raw.sites.flatMap((s) => s.machines)) m.nics[0]!.bootAddress = '127.0.0.1';
  const source = join(dir, 'lab-small-chap.yaml');
  await writeFile(source, toYaml(raw));
  stack = await startFullStack({ source });
});

afterAll(async () => {
  await stack?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('repurpose onto a persona whose LUNs demand CHAP', () => {
  it('boots it on a spare through a CHAP login, and no workflow history holds the secret', async () => {
    const secret = stack.lab.credentials['chap-web-01']?.password;
    expect(secret).toMatch(/^.{12,}$/);
    const workflowId = 'repurpose/web-01/chap';
    const report = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ persona: 'web-01', healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(report.outcome).toBe('completed');
    const machine = stack.topology.sites[0]!.machines.find((m) => m.id === report.endedOn)!;
    expect(machine.pool).toBe('spare');
    const web01 = stack.topology.personas.find((p) => p.name === 'web-01')!;
    expect(await (await fetch(`http://127.0.0.1:${web01.health!.port}/healthz`)).text()).toContain(
      'web-01',
    );

    // The target now demands CHAP: the machine booted because its script carried the secret.
    const iqn = machine.storage.iqn!;
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', iqn)).toEqual(['web-01-boot']);
    expect(stack.lab.sanView!.loginRefusal('array-1', 'web-01-boot', iqn, undefined)).toMatch(
      /requires CHAP/,
    );

    // Every run in the namespace (the repurpose, its children, the ledger): none holds the secret.
    let histories = 0;
    let sawRun = false;
    for await (const w of stack.temporal.client.workflow.list()) {
      const text = historyText(
        await stack.temporal.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory(),
      ).join('\n');
      expect({ workflow: w.workflowId, leaks: text.includes(secret!) }).toEqual({
        workflow: w.workflowId,
        leaks: false,
      });
      if (w.workflowId === workflowId) {
        expect(text).toContain('"persona":"web-01"');
        sawRun = true;
      }
      histories += 1;
    }
    expect(histories).toBeGreaterThan(1);
    // The check above reads the repurpose's own history, not only its children's.
    expect(sawRun).toBe(true);
  });

  it('moves it on to another spare: the bound account stays, the new machine boots with it, the one it left sees nothing', async () => {
    const from = (await stack.ledger.snapshot('dc1')).placements['web-01'] as { machine: string };
    const to = ['m-r2-03', 'm-r1-03'].find((m) => m !== from.machine)!;
    const report = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: 'repurpose/web-01/chap-move',
      args: [{ persona: 'web-01', machine: to, healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(report).toMatchObject({ outcome: 'completed', endedOn: to });
    const iqn = stack.topology.sites[0]!.machines.find((m) => m.id === to)!.storage.iqn!;
    const left = stack.topology.sites[0]!.machines.find((m) => m.id === from.machine)!.storage.iqn!;
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', iqn)).toEqual(['web-01-boot']);
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', left)).toEqual([]);
    expect(stack.lab.sanView!.loginRefusal('array-1', 'web-01-boot', iqn, undefined)).toMatch(
      /requires CHAP/,
    );
  });
});
