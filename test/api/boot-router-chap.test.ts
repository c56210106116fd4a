import { request } from 'node:http';
import express from 'express';
import { createBootRouter } from '../../api/routes/boot';
import { StaticSecretStore } from '../../common/secrets';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Topology } from '../../inventory/topology-schema';
import { serve } from '../support/api-server';
import { labSmall } from '../support/lab-fixtures';
import { BootLedger } from '../support/boot-ledger';

const DB_01_MAC = '52:54:00:00:01:00';
const SECRET = 'Db01-Chap-Secret-7c2e';
const secrets = new StaticSecretStore({
  'chap-db-01': { username: 'chap-db-01', password: SECRET },
});

const DB_01 = { mac: DB_01_MAC, persona: 'db-01', image: 'rhel-9-san', machine: 'm-r1-01' };
const servers: { stop(): Promise<void> }[] = [];

/** lab-small with db-01's LUNs behind CHAP; `bootAddress` binds db-01's NIC when given. */
async function chapTopology(bootAddress?: string): Promise<Topology> {
  const t = structuredClone(await labSmall());
  t.credentials.push({ name: 'chap-db-01', kind: 'chap' });
  t.personas.find((p) => p.name === 'db-01')!.chap = 'chap-db-01';
  const nic = t.sites
    .flatMap((s) => s.machines)
    .flatMap((m) => m.nics)
    .find((n) => n.mac === DB_01_MAC)!;
  if (bootAddress !== undefined) nic.bootAddress = bootAddress;
  return parseTopology(t);
}

async function server(topology: Topology): Promise<string> {
  const index = new TopologyIndex(topology);
  const app = express();
  app.use(
    createBootRouter({
      topology: index,
      assignments: new BootLedger(index, [DB_01]),
      allowFrom: ['127.0.0.0/8'],
      secrets,
    }),
  );
  const s = await serve(app);
  servers.push(s);
  return s.url;
}

function from(url: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/boot/ipxe?mac=${DB_01_MAC}`, { localAddress }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('boot scripts of a persona whose LUNs demand CHAP', () => {
  it("carry the CHAP user and secret for iPXE, to the NIC's boot address only, and nothing is logged", async () => {
    const logged = [
      jest.spyOn(console, 'log'),
      jest.spyOn(console, 'error'),
      jest.spyOn(console, 'warn'),
    ];
    try {
      const url = await server(await chapTopology('127.0.0.2'));
      const own = await from(url, '127.0.0.2');
      expect(own.status).toBe(200);
      expect(own.body).toMatch(
        new RegExp(
          `\\nset username chap-db-01\\nset password ${SECRET}\\nsanboot iscsi:[^\\n]+:db-01-boot\\n$`,
        ),
      );
      const other = await from(url, '127.0.0.1');
      expect(other.status).toBe(403);
      expect(other.body).not.toContain(SECRET);
      for (const spy of logged) expect(JSON.stringify(spy.mock.calls)).not.toContain(SECRET);
    } finally {
      for (const spy of logged) spy.mockRestore();
    }
  });

  it('are not served to a NIC without a boot address: the script falls through, saying why, with no secret', async () => {
    const url = await server(await chapTopology());
    const res = await from(url, '127.0.0.1');
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain('sanboot');
    expect(res.body).toMatch(
      /assignment to db-01 cannot be served: .*demand CHAP, whose secret is served only to a NIC with a bootAddress/,
    );
    expect(res.body).toMatch(/\nexit\n$/);
  });

  it('fall through naming the credential, not its value, when the secret is too short for CHAP', async () => {
    const short = new StaticSecretStore({
      'chap-db-01': { username: 'chap-db-01', password: 'short' },
    });
    const topology = new TopologyIndex(await chapTopology('127.0.0.1'));
    const app = express();
    app.use(
      createBootRouter({
        topology,
        assignments: new BootLedger(topology, [DB_01]),
        allowFrom: ['127.0.0.0/8'],
        secrets: short,
      }),
    );
    const s = await serve(app);
    servers.push(s);
    const res = await from(s.url, '127.0.0.1');
    // The script's comment keeps only harmless characters (quotes and the ellipsis become "?").
    expect(res.body).toMatch(
      /credential .chap-db-01.: a CHAP secret \(its password\) is 12.64 characters/,
    );
    expect(res.body).not.toContain('short');
  });
});

describe("topology: a persona's chap", () => {
  it('must name a declared credential, and protect some LUN, with the field path', async () => {
    const base = await labSmall();
    const undeclared = structuredClone(base);
    undeclared.personas.find((p) => p.name === 'db-01')!.chap = 'chap-nope';
    expect(() => parseTopology(undeclared)).toThrow(
      /personas\[\d+\]\.chap: unknown credential "chap-nope"/,
    );
    const noLuns = structuredClone(base);
    noLuns.credentials.push({ name: 'chap-x', kind: 'chap' });
    const lunless = noLuns.personas.find((p) => p.name === 'db-01')!;
    lunless.luns = [];
    lunless.chap = 'chap-x';
    expect(() => parseTopology(noLuns)).toThrow(
      /personas\[\d+\]\.chap: CHAP protects iSCSI LUNs, and this persona has none/,
    );
  });
});
