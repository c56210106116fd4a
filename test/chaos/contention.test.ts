import { WorkflowFailedError } from '@temporalio/client';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';

jest.setTimeout(600_000);

const FP_SSH = 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I';
const FP_TLS =
  'A0:E8:C3:06:E0:17:AF:34:B2:60:69:D4:2A:96:97:3D:B1:D4:3B:B8:DF:D1:B7:12:57:91:78:94:3A:14:AE:8F';
const MACHINES = 10;
const PERSONAS = 30;

/**
 * Ten identical spare machines (Redfish, one IOS switch) and thirty personas that each fit any of
 * them.
 */
function contentionTopology(): string {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  const topology = {
    version: 1,
    credentials: [{ name: 'lab-bmc' }, { name: 'lab-switch' }],
    networks: [{ name: 'prod', vlan: 100 }],
    bootImages: [
      {
        name: 'linux',
        kind: 'pxe',
        kernel: 'http://127.0.0.1:8080/images/linux/vmlinuz',
        cmdline: 'console=ttyS0',
      },
    ],
    sites: [
      {
        name: 'dc1',
        racks: [{ name: 'r1' }],
        switches: [
          {
            id: 'sw1',
            vendor: 'cisco-ios',
            address: '127.0.0.1',
            port: 22,
            credential: 'lab-switch',
            hostKeyFingerprint: FP_SSH,
          },
        ],
        machines: Array.from({ length: MACHINES }, (_, i) => ({
          id: `m${i}`,
          rack: 'r1',
          bmc: {
            driver: 'redfish',
            address: '127.0.0.1',
            port: 20000 + i,
            credential: 'lab-bmc',
            systemId: 'System.Embedded.1',
            tls: { fingerprint: FP_TLS },
          },
          nics: [
            {
              name: 'eth0',
              mac: `52:54:00:c0:00:${hex(i)}`,
              switch: 'sw1',
              port: `GigabitEthernet1/0/${i + 1}`,
            },
          ],
          arch: 'x86_64',
          cores: 16,
          memoryGiB: 64,
          pool: 'spare',
        })),
      },
    ],
    personas: Array.from({ length: PERSONAS }, (_, i) => ({
      name: `p${i}`,
      image: 'linux',
      networks: [{ nic: 0, networks: ['prod'] }],
      requirements: { arch: 'x86_64', cores: 4, memoryGiB: 8 },
      priority: 3,
      health: { kind: 'tcp', host: '127.0.0.1', port: 21000 + i },
    })),
  };
  const file = join(mkdtempSync(join(tmpdir(), 'rackshift-contention-')), 'contention.yaml');
  writeFileSync(file, toYaml(topology));
  return file;
}

let stack: FullStack;

beforeAll(async () => {
  stack = await startFullStack({
    source: contentionTopology(),
    timing: { powerDelayMs: 300, bootMs: 500, shutdownMs: 200 },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('contention: 30 repurpose runs at once for 10 spare machines', () => {
  it('never gives a machine to two runs; the other 20 end with a clear no-capacity outcome', async () => {
    const poweredOn = new Map<string, number>();
    for (const m of stack.lab.machines.values())
      m.on(
        'power',
        (s: string) => s === 'on' && poweredOn.set(m.id, (poweredOn.get(m.id) ?? 0) + 1),
      );

    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: PERSONAS }, (_, i) =>
        stack.temporal.client.workflow
          .execute('repurpose', {
            taskQueue: TASK_QUEUE,
            workflowId: `repurpose/p${i}/contention`,
            args: [{ persona: `p${i}`, healthTimeoutSeconds: 120 }],
          })
          .then(
            (r) => ({ persona: `p${i}`, report: r as RunbookReport }),
            (e: unknown) => ({ persona: `p${i}`, error: e as WorkflowFailedError }),
          ),
      ),
    );
    const completed = outcomes.filter(
      (o): o is { persona: string; report: RunbookReport } => 'report' in o,
    );
    const failed = outcomes.filter(
      (o): o is { persona: string; error: WorkflowFailedError } => 'error' in o,
    );

    expect(completed).toHaveLength(MACHINES);
    const machines = completed.map((o) => o.report.endedOn);
    expect(new Set(machines).size).toBe(MACHINES);
    for (const f of failed) {
      const cause = f.error.cause as { type?: string; message: string; details?: unknown[] };
      expect(cause.type).toBe('NoCapacityError');
      expect(cause.message).toMatch(/no machine can take p\d+ now/);
      expect((cause.details?.[0] as RunbookReport).outcome).toBe('no-capacity');
    }
    expect(failed).toHaveLength(PERSONAS - MACHINES);

    const ledger = await stack.ledger.snapshot('dc1');
    const onMachines = Object.values(ledger.placements).filter((p) => p.kind === 'machine');
    expect(onMachines).toHaveLength(MACHINES);
    expect(new Set(onMachines.map((p) => (p as { machine: string }).machine)).size).toBe(MACHINES);
    expect(Object.keys(ledger.leases)).toEqual([]);
    expect([...poweredOn.values()].every((n) => n === 1)).toBe(true);
    console.log(
      `contention: ${completed.length} placed on ${MACHINES} machines, ${failed.length} no-capacity, in ${Date.now() - started} ms`,
    );
  });
});
