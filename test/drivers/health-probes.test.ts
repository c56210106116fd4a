import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { probe } from '../../drivers/health/health-probe';
import { freePort } from '../support/free-port';
import { startSshd, type RealSshd } from '../support/sshd';

jest.setTimeout(30_000);

const servers: (Server | HttpServer)[] = [];
const sockets = new Set<Socket>();
let sshd: RealSshd;

async function listen(server: Server | HttpServer): Promise<number> {
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** A TCP server that writes `text` to every connection (and keeps it open). */
const sayer = (text: string): Promise<number> => listen(createServer((s) => s.write(text)));
const silent = (): Promise<number> => listen(createServer(() => undefined));

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await sshd?.stop();
});

describe('HTTP probe', () => {
  it('is healthy on a 2xx answer at the path and quotes the body', async () => {
    const port = await listen(
      createHttpServer((req, res) =>
        res
          .writeHead(req.url === '/healthz' ? 200 : 404)
          .end(req.url === '/healthz' ? 'db-01\n' : 'no'),
      ),
    );
    const r = await probe({ kind: 'http', host: '127.0.0.1', port, path: '/healthz' });
    expect(r).toEqual({
      healthy: true,
      detail: `HTTP 200 from http://127.0.0.1:${port}/healthz: db-01`,
      latencyMs: expect.any(Number),
    });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await probe({ kind: 'http', host: '127.0.0.1', port, path: '/other' })).toMatchObject({
      healthy: false,
      detail: expect.stringContaining('HTTP 404'),
    });
  });

  it('is unhealthy on a 5xx, a refused connection, or no answer within the timeout', async () => {
    const failing = await listen(
      createHttpServer((_req, res) => res.writeHead(503).end('starting')),
    );
    expect(
      await probe({ kind: 'http', host: '127.0.0.1', port: failing, path: '/healthz' }),
    ).toMatchObject({ healthy: false, detail: expect.stringContaining('HTTP 503') });
    const closed = await freePort();
    expect(
      await probe({ kind: 'http', host: '127.0.0.1', port: closed, path: '/healthz' }),
    ).toMatchObject({ healthy: false, detail: expect.stringContaining('ECONNREFUSED') });
    const hanging = await silent();
    expect(
      await probe(
        { kind: 'http', host: '127.0.0.1', port: hanging, path: '/healthz' },
        { timeoutMs: 200 },
      ),
    ).toMatchObject({
      healthy: false,
      detail: `no answer from http://127.0.0.1:${hanging}/healthz within 200 ms`,
    });
  });
});

describe('TCP probe', () => {
  it('is healthy when a connection opens, unhealthy when refused', async () => {
    const port = await silent();
    expect(await probe({ kind: 'tcp', host: '127.0.0.1', port })).toMatchObject({
      healthy: true,
      detail: `connected to 127.0.0.1:${port}`,
    });
    const closed = await freePort();
    expect(await probe({ kind: 'tcp', host: '127.0.0.1', port: closed })).toMatchObject({
      healthy: false,
      detail: `127.0.0.1:${closed}: ECONNREFUSED`,
    });
  });
});

describe('SSH probe (banner only, no login)', () => {
  it('reads the banner of a real OpenSSH sshd', async () => {
    const r = await probe({ kind: 'ssh', host: '127.0.0.1', port: sshd.port });
    expect(r.healthy).toBe(true);
    expect(r.detail).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(sshd.log()).not.toMatch(/Accepted|Failed password/);
  });

  it('skips lines a server sends before its identification line', async () => {
    const port = await sayer('welcome to the lab\r\nSSH-2.0-rackshift_lab\r\n');
    expect(await probe({ kind: 'ssh', host: '127.0.0.1', port })).toMatchObject({
      healthy: true,
      detail: 'SSH-2.0-rackshift_lab',
    });
  });

  it('is unhealthy for a server that is not SSH, an old SSH, or a silent one', async () => {
    const http = await listen(createHttpServer((_req, res) => res.end('hi')));
    expect(
      (await probe({ kind: 'ssh', host: '127.0.0.1', port: http }, { timeoutMs: 500 })).healthy,
    ).toBe(false);
    const junk = await sayer(`${'x'.repeat(400)}`);
    expect(await probe({ kind: 'ssh', host: '127.0.0.1', port: junk })).toMatchObject({
      healthy: false,
      detail: expect.stringContaining('is not an SSH server'),
    });
    const old = await sayer('SSH-1.5-ancient\r\n');
    expect(await probe({ kind: 'ssh', host: '127.0.0.1', port: old })).toMatchObject({
      healthy: false,
      detail: expect.stringContaining('unsupported SSH version'),
    });
    const quiet = await silent();
    expect(
      await probe({ kind: 'ssh', host: '127.0.0.1', port: quiet }, { timeoutMs: 200 }),
    ).toMatchObject({
      healthy: false,
      detail: `no SSH banner from 127.0.0.1:${quiet} within 200 ms`,
    });
  });
});
