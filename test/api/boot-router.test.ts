import { request } from 'node:http';
import express from 'express';
import { createBootRouter, type BootRouterOptions } from '../../api/routes/boot';
import { ValidationError } from '../../common/errors';
import type { BootAssignment } from '../../drivers/boot/boot-assignment-store';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import { serve } from '../support/api-server';
import { labSmall } from '../support/lab-fixtures';
import { BootLedger } from '../support/boot-ledger';

const DB_01_MAC = '52:54:00:00:01:00';
const DB_01: BootAssignment = {
  mac: DB_01_MAC,
  persona: 'db-01',
  image: 'rhel-9-san',
  machine: 'm-r1-01',
};

let topology: TopologyIndex;
const servers: { stop(): Promise<void> }[] = [];

async function bootServer(
  store: BootRouterOptions['assignments'],
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
});

afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('GET /boot/ipxe', () => {
  it('serves the persona the site ledger assigns to the MAC, whatever case the MAC is asked in', async () => {
    const url = await bootServer(new BootLedger(topology, [DB_01]), ['127.0.0.1']);
    const res = await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC.toUpperCase().replace(/:/g, '-')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain(
      'sanboot iscsi:127.0.0.1::13260:1:iqn.2026-11.lab.rackshift:array-1:db-01-boot\n',
    );
  });

  it('keeps serving the last assignments it read while the ledger cannot be asked', async () => {
    const ledger = new BootLedger(topology, [DB_01]);
    const url = await bootServer(ledger, ['127.0.0.1']);
    expect((await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC}`)).status).toBe(200);
    ledger.down();
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('sanboot iscsi:');
      expect(errors).toHaveBeenCalledWith(
        expect.stringMatching(/ledger of dc1 unreachable .*serving its last known/),
      );
    } finally {
      errors.mockRestore();
    }
  });

  it('answers 500 without details when the ledger cannot be asked and nothing was read before', async () => {
    const ledger = new BootLedger(topology, [DB_01]);
    ledger.down();
    const url = await bootServer(ledger, ['127.0.0.1']);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await fetch(`${url}/boot/ipxe?mac=${DB_01_MAC}`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('the boot script could not be read; see the API log\n');
      expect(errors).toHaveBeenCalledWith(
        expect.stringMatching(/boot script for .*: ledger of dc1: no worker answers/),
      );
    } finally {
      errors.mockRestore();
    }
  });

  it('answers an unknown MAC with a script that exits to the next boot device', async () => {
    const url = await bootServer(new BootLedger(topology), ['127.0.0.0/8']);
    const text = await (await fetch(`${url}/boot/ipxe?mac=52:54:00:99:99:99`)).text();
    expect(text).toBe(
      '#!ipxe\n# rackshift: 52:54:00:99:99:99: no boot assignment; trying the next boot device\nexit\n',
    );
  });

  it('refuses a source address outside the allow list with 403', async () => {
    const url = await bootServer(new BootLedger(topology), ['10.0.0.0/8', 'fd00::/8']);
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
    const boundTopology = new TopologyIndex(bound);
    const app = express();
    app.use(
      createBootRouter({
        topology: boundTopology,
        assignments: new BootLedger(boundTopology, [DB_01]),
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
    const url = await bootServer(new BootLedger(topology), ['127.0.0.1']);
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
    const store = new BootLedger(topology, [
      { mac: '52:54:00:00:03:00', persona: 'web-02', image: 'rhel-9-san', machine: 'm-r1-03' },
    ]);
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
        assignments: new BootLedger(topology),
        allowFrom: ['10.0.0.0/33'],
      }),
    ).toThrow(ValidationError);
    expect(() =>
      createBootRouter({
        topology,
        assignments: new BootLedger(topology),
        allowFrom: ['boot-net'],
      }),
    ).toThrow(/allowFrom\[0\]/);
    expect(() =>
      createBootRouter({
        topology,
        assignments: new BootLedger(topology),
        allowFrom: [],
      }),
    ).toThrow(ValidationError);
  });
});
