import { request } from 'node:http';
import { Client } from '@temporalio/client';
import { createApp } from '../../api/create-app';
import { createBootRouter } from '../../api/routes/boot';
import { parseTrustedProxies } from '../../api/trusted-proxies';
import { ValidationError } from '../../common/errors';
import { TopologyIndex } from '../../inventory/topology-index';
import { NAMESPACE } from '../../worker/task-queue';
import { serve } from '../support/api-server';
import { BootLedger } from '../support/boot-ledger';
import { labSmall } from '../support/lab-fixtures';

/*
 * `rackshift api --trusted-proxy`: the boot allow-list checks the forwarded client address only
 * when the peer is a trusted proxy. The test's requests come from 127.0.0.1, which plays the proxy
 * when trusted and a host on the boot network that forges X-Forwarded-For when not.
 */
let topology: TopologyIndex;
// The app takes a client for its run routes; /boot/ipxe never calls it (it connects lazily).
const client = new Client();
const servers: { stop(): Promise<void> }[] = [];

async function api(trustedProxies?: string[]): Promise<string> {
  const app = createApp({
    client,
    topology,
    taskQueue: 'rackshift',
    namespace: NAMESPACE,
    ...(trustedProxies !== undefined && { trustedProxies }),
    publicRouters: [
      createBootRouter({
        topology,
        assignments: new BootLedger(topology),
        allowFrom: ['10.9.9.0/24'],
      }),
    ],
  });
  const s = await serve(app);
  servers.push(s);
  return s.url;
}

/** fetch() cannot set X-Forwarded-For reliably across versions; node:http can. */
function boot(url: string, forwardedFor?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/boot/ipxe?mac=52:54:00:99:99:99`,
      { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  topology = new TopologyIndex(await labSmall());
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await client.connection.close();
});

describe('boot allow-list behind a trusted proxy', () => {
  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    const url = await api();
    expect(await boot(url)).toBe(403);
    expect(await boot(url, '10.9.9.9')).toBe(403);
  });

  it('ignores X-Forwarded-For from a peer outside the trusted list', async () => {
    const url = await api(['10.0.0.0/8', 'fd00::/8']);
    expect(await boot(url, '10.9.9.9')).toBe(403);
  });

  it('honours X-Forwarded-For from a trusted proxy: the client it names is checked', async () => {
    const url = await api(parseTrustedProxies('127.0.0.1/32,::1'));
    expect(await boot(url, '10.9.9.9')).toBe(200);
    expect(await boot(url, '10.8.8.8')).toBe(403);
    // The proxy's own address is not on the boot network.
    expect(await boot(url)).toBe(403);
    // A client that prepends an allowed address is still judged by the one the proxy saw.
    expect(await boot(url, '10.9.9.9, 10.8.8.8')).toBe(403);
  });

  it('refuses a bad --trusted-proxy entry, naming it', () => {
    expect(() => parseTrustedProxies('127.0.0.1,10.0.0.0/33')).toThrow(ValidationError);
    expect(() => parseTrustedProxies('127.0.0.1,10.0.0.0/33')).toThrow(
      'trusted proxies: --trusted-proxy[1]: "10.0.0.0/33" is not an IP address or CIDR like 10.0.0.0/8 or fd00::/8',
    );
  });
});
