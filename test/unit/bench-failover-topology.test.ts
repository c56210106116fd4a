import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failoverTopology } from '../../bench/failover-topology';
import { writeFailoverTopology } from '../../bench/generate-topology';
import { parseTopology } from '../../inventory/load-topology';

describe('bench failover topology generator', () => {
  it.each([20, 100, 500, 1000])(
    '%i lost personas: the loader accepts it, in the rack fire proportions',
    (n) => {
      const generated = failoverTopology({ personas: n, basePort: 21_000 });
      const t = parseTopology(generated.topology);
      const machines = t.sites[0]!.machines;
      const lost = machines.filter((m) => generated.lostRacks.includes(m.rack));
      const working = machines.filter((m) => !generated.lostRacks.includes(m.rack));
      expect(lost).toHaveLength(n);
      expect(working).toHaveLength(n / 2);
      // Per ten working machines, as in racks r2 and r3: 5 spares (2 hypervisor-capable), 4
      // repurposable, 1 dedicated.
      expect(working.filter((m) => m.pool === 'spare')).toHaveLength(n / 4);
      expect(working.filter((m) => m.hypervisor !== undefined)).toHaveLength(n / 10);
      expect(working.filter((m) => m.pool === 'repurposable')).toHaveLength(n / 5);
      expect(working.filter((m) => m.pool === 'dedicated')).toHaveLength(n / 20);
      const lostPersonas = t.personas.filter((p) =>
        lost.some(
          (m) => 'machine' in (p.home ?? {}) && m.id === (p.home as { machine: string }).machine,
        ),
      );
      expect(lostPersonas).toHaveLength(n);
      expect(lostPersonas.filter((p) => p.priority === 1)).toHaveLength(n / 5);
      expect(lostPersonas.filter((p) => p.vmAllowed)).toHaveLength((n / 20) * 12);
    },
  );

  it('gives every listener its own port, all inside the block it reports', () => {
    const g = failoverTopology({ personas: 100, basePort: 21_000 });
    const t = parseTopology(g.topology);
    const site = t.sites[0]!;
    const ports = [
      ...site.machines.map((m) => m.bmc.port),
      ...site.machines.flatMap((m) => (m.hypervisor ? [m.hypervisor.port] : [])),
      ...site.switches.map((s) => s.port),
      ...site.arrays.flatMap((a) => [a.port, a.portal.port]),
      ...t.personas.map((p) => p.health!.port),
    ];
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.length).toBe(g.ports);
    expect(Math.min(...ports)).toBe(21_000);
    expect(Math.max(...ports)).toBe(21_000 + g.ports - 1);
  });

  it('refuses a count that is not whole racks, naming the rule', () => {
    expect(() => failoverTopology({ personas: 30, basePort: 21_000 })).toThrow(
      'personas must be a positive multiple of 20 (whole racks), got 30',
    );
  });

  it('writes YAML that the topology file loader reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-topology-'));
    try {
      const written = await writeFailoverTopology(join(dir, 't.yaml'), 40, 22_000);
      expect(written.lostRacks).toEqual(['lost-r01', 'lost-r02']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
