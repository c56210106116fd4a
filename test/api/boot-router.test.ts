import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { request } from 'node:http';
import { createBootRouter } from '../../api/routes/boot';
import { ValidationError } from '../../common/errors';
import { BootStoreCorruptError } from '../../drivers/boot/boot-store-errors';
import { FileBootAssignmentStore } from '../../drivers/boot/file-boot-assignment-store';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import { serve } from '../support/api-server';
import { labSmall } from '../support/lab-fixtures';

const DB_01_MAC = '52:54:00:00:01:00';

let dir: string;
let topology: TopologyIndex;
const servers: { stop(): Promise<void> }[] = [];

async function bootServer(
  store: FileBootAssignmentStore,
  allowFrom: readonly string[],
): Promise<string> {
  const app = express();
  app.use(createBootRouter({ topology, assignments: store, allowFrom }));
  const s = await serve(app);
  servers.push(s);
  return s.url;
}

beforeAll(async () => {
  topology = new TopologyIndex(await labSmall());
  dir = await mkdtemp(join(tmpdir(), 'rackshift-boot-'));
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /boot/ipxe', () => {
  it('serves the assigned persona, and the assignment survives re-opening the store', async () => {
    const writer = await FileBootAssignmentStore.open(dir);
    expect(
      await writer.set({
        mac: DB_01_MAC.toUpperCase(),
        persona: 'db-01',
        image: 'rhel-9-san',
        machine: 'm-r1-01',
      }),
    ).toBeUndefined();

    const reopened = await FileBootAssignmentStore.open(dir);
    const url = await bootServer(reopened, ['127.0.0.1']);
    const res = await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC.replace(/:/g, '-')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain(
      'sanboot iscsi:127.0.0.1::13260:1:iqn.2026-11.lab.rackshift:array-1:db-01-boot\n',
    );

    expect((await stat(reopened.file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['boot-assignments.json']);
  });

  it('answers an unknown MAC with a script that exits to the next boot device', async () => {
    const url = await bootServer(await FileBootAssignmentStore.open(dir), ['127.0.0.0/8']);
    const text = await (await fetch(`${url}/boot/ipxe?mac=52:54:00:99:99:99`)).text();
    expect(text).toBe(
      '#!ipxe\n# rackshift: 52:54:00:99:99:99: no boot assignment; trying the next boot device\nexit\n',
    );
  });

  it('refuses a source address outside the allow list with 403', async () => {
    const url = await bootServer(await FileBootAssignmentStore.open(dir), [
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    const res = await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC}`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('sanboot');
  });

  it('serves the script of a MAC whose NIC has a boot address to that address only', async () => {
    const bound = structuredClone(await labSmall());
    const nic = bound.sites
      .flatMap((site) => site.machines)
      .flatMap((m) => m.nics)
      .find((n) => n.mac === DB_01_MAC)!;
    nic.bootAddress = '127.0.0.2';
    const store = await FileBootAssignmentStore.open(dir);
    const app = express();
    app.use(
      createBootRouter({
        topology: new TopologyIndex(bound),
        assignments: store,
        allowFrom: ['127.0.0.0/8'],
      }),
    );
    const s = await serve(app);
    servers.push(s);
    const from = (localAddress: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(`${s.url}/boot/ipxe?mac=${DB_01_MAC}`, { localAddress }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    // Another host on the allowed boot network learns nothing of db-01's SAN target.
    expect(await from('127.0.0.1')).toEqual({
      status: 403,
      body: `the boot script of ${DB_01_MAC} is served to that NIC's boot address only\n`,
    });
    const own = await from('127.0.0.2');
    expect(own.status).toBe(200);
    expect(own.body).toContain('sanboot iscsi:');
    // A MAC without a bound address is still served to the whole allow list.
    expect((await fetch(`${s.url}/boot/ipxe?mac=52:54:00:99:99:99`)).status).toBe(200);
  });

  it('refuses a boot address that is no IP address, naming the field', async () => {
    const t = structuredClone(await labSmall()) as unknown as {
      sites: Array<{ machines: Array<{ nics: Array<Record<string, unknown>> }> }>;
    };
    t.sites[0]!.machines[0]!.nics[0]!.bootAddress = 'boot-net';
    expect(() => parseTopology(t)).toThrow(
      /sites\[0\]\.machines\[0\]\.nics\[0\]\.bootAddress: must be an IPv4 or IPv6 address/,
    );
  });

  it('answers a malformed MAC with 400', async () => {
    const url = await bootServer(await FileBootAssignmentStore.open(dir), ['127.0.0.1']);
    for (const query of [
      '',
      '?mac=',
      '?mac=52:54:00:zz:00:01',
      `?mac=${encodeURIComponent(`${DB_01_MAC}\nshell`)}`,
      `?mac=${DB_01_MAC}&mac=${DB_01_MAC}`,
    ]) {
      const res = await fetch(`${url}/boot/ipxe${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });

  it('falls through, naming why, when an assignment no longer fits the topology', async () => {
    const store = await FileBootAssignmentStore.open(dir);
    await store.set({
      mac: '52:54:00:00:03:00',
      persona: 'web-02',
      image: 'rhel-9-san',
      machine: 'm-r1-03',
    });
    const url = await bootServer(store, ['127.0.0.1']);
    const text = await (await fetch(`${url}/boot/ipxe?mac=52:54:00:00:03:00`)).text();
    expect(text).toMatch(
      /^#!ipxe\n# rackshift: 52:54:00:00:03:00: assignment to web-02 cannot be served: .*no LUN marked boot: true.*\nexit\n$/,
    );
  });

  it('refuses an allow list it cannot parse, or an empty one', () => {
    expect(() =>
      createBootRouter({
        topology,
        assignments: {} as FileBootAssignmentStore,
        allowFrom: ['10.0.0.0/33'],
      }),
    ).toThrow(ValidationError);
    expect(() =>
      createBootRouter({
        topology,
        assignments: {} as FileBootAssignmentStore,
        allowFrom: ['boot-net'],
      }),
    ).toThrow(/allowFrom\[0\]/);
    expect(() =>
      createBootRouter({ topology, assignments: {} as FileBootAssignmentStore, allowFrom: [] }),
    ).toThrow(ValidationError);
  });
});

describe('FileBootAssignmentStore', () => {
  it('returns the replaced assignment, so a compensation can restore it', async () => {
    const store = await FileBootAssignmentStore.open(join(dir, 'replace'));
    const first = {
      mac: '52:54:00:00:05:00',
      persona: 'web-01',
      image: 'rhel-9-san',
      machine: 'm-r2-01',
    };
    await store.set(first);
    expect(await store.set({ ...first, persona: 'app-01' })).toEqual(first);
    expect(await store.delete('52:54:00:00:05:00')).toEqual({ ...first, persona: 'app-01' });
    expect(await store.delete('52:54:00:00:05:00')).toBeUndefined();
  });

  it('loses no write when two stores (two processes) write at once', async () => {
    const where = join(dir, 'concurrent');
    const a = await FileBootAssignmentStore.open(where);
    const b = await FileBootAssignmentStore.open(where);
    const macs = Array.from(
      { length: 24 },
      (_, i) => `52:54:00:00:aa:${i.toString(16).padStart(2, '0')}`,
    );
    await Promise.all(
      macs.map((mac, i) =>
        (i % 2 === 0 ? a : b).set({
          mac,
          persona: 'web-02',
          image: 'ubuntu-24-pxe',
          machine: 'm-r1-03',
        }),
      ),
    );
    expect(Object.keys(await a.list()).sort()).toEqual(macs);
    expect((await readdir(where)).sort()).toEqual(['boot-assignments.json']);
  });

  it('refuses a corrupt file with a typed error, and the router answers 500 without details', async () => {
    const where = join(dir, 'corrupt');
    const store = await FileBootAssignmentStore.open(where);
    await writeFile(store.file, '{"version":1,"assignments":{"x":{"persona":"P Q"}}}');
    await expect(store.get(DB_01_MAC)).rejects.toBeInstanceOf(BootStoreCorruptError);
    const url = await bootServer(store, ['127.0.0.1']);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC}`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('the boot script could not be read; see the API log\n');
    expect(errors).toHaveBeenCalledWith(
      expect.stringMatching(/boot assignment store .* is unreadable/),
    );
    errors.mockRestore();
  });

  it('refuses a malformed MAC or assignment before writing', async () => {
    const store = await FileBootAssignmentStore.open(join(dir, 'invalid'));
    await expect(
      store.set({
        mac: '52:54:00:00:05',
        persona: 'web-01',
        image: 'rhel-9-san',
        machine: 'm-r2-01',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      store.set({
        mac: '52:54:00:00:05:00',
        persona: 'Web 01',
        image: 'rhel-9-san',
        machine: 'm-r2-01',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await store.list()).toEqual({});
  });
});
