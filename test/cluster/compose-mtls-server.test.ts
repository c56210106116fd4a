import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { mounts, OVERRIDES, resolve, type Service } from '../support/compose-config';
import { ROOT } from '../support/lab-fixtures';
import { runCli } from '../support/run-cli';
import { clusterState, DB_PASSWORD, freePortBelow } from '../support/temporal-cluster';

jest.setTimeout(300_000);

/**
 * docker-compose.mtls.yml's settings on the real server, without Docker: the pinned
 * temporal-server 1.32.0 started as the image starts it (`temporal-server start`, no config
 * file: its embedded template renders the environment) with exactly the override's
 * TEMPORAL_TLS_* variables, and `rackshift admin setup` with exactly the setup job's, both on
 * the certificates scripts/compose-certs.sh makes. Only the container paths are mapped to the
 * temp folder, and addresses, ports and the database to the cluster project's PostgreSQL (its
 * own two databases, so the two servers do not share a membership ring).
 */
const NS = `rackshift-compose-${process.pid}`;
let dir: string;
let server: ChildProcess | undefined;
let logFile: string;
let address: string;
let services: Record<string, Service>;

/** The service's variables whose values are container paths of ./certs files, as host paths. */
function tlsEnv(s: Service, prefix: RegExp): Record<string, string> {
  const byTarget = new Map(mounts(s).map((m) => [m.target, m.source]));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.environment ?? {}))
    if (prefix.test(k)) {
      const source = byTarget.get(v);
      out[k] = source === undefined ? v : join(dir, source);
    }
  return out;
}

type Tls = NonNullable<Parameters<typeof Connection.connect>[0]>['tls'];

async function connect(tls: Tls): Promise<Connection> {
  return Connection.connect({ address, tls, connectTimeout: 2000 });
}

beforeAll(async () => {
  const state = clusterState();
  dir = mkdtempSync(join(tmpdir(), 'rackshift-compose-mtls-'));
  const certs = spawnSync('bash', [join(ROOT, 'scripts', 'compose-certs.sh'), join(dir, 'certs')], {
    encoding: 'utf8',
  });
  expect(certs.status).toBe(0);
  services = resolve([OVERRIDES.mtls]);

  const bin = dirname(state.serverBin);
  const schema = join(dirname(bin), 'schema', 'postgresql', 'v12');
  const db = { temporal: `compose_${process.pid}`, visibility: `compose_vis_${process.pid}` };
  for (const [name, kind] of [
    [db.temporal, 'temporal'],
    [db.visibility, 'visibility'],
  ] as const)
    for (const args of [
      ['create-database'],
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '-d', join(schema, kind, 'versioned')],
    ]) {
      const out = spawnSync(
        join(bin, 'temporal-sql-tool'),
        [
          '--plugin',
          'postgres12',
          '--ep',
          '127.0.0.1',
          '-p',
          String(state.pgPort),
          '-u',
          'temporal',
          '--db',
          name,
          ...args,
        ],
        { encoding: 'utf8', env: { ...process.env, SQL_PASSWORD: DB_PASSWORD } },
      );
      expect({ args, out: out.status === 0 ? '' : `${out.stdout}${out.stderr}` }).toEqual({
        args,
        out: '',
      });
    }

  const taken = new Set<number>();
  const port = async (): Promise<string> => String(await freePortBelow(32_767, taken));
  const ports = {
    FRONTEND_GRPC_PORT: await port(),
    FRONTEND_HTTP_PORT: await port(),
    FRONTEND_MEMBERSHIP_PORT: await port(),
    HISTORY_GRPC_PORT: await port(),
    HISTORY_MEMBERSHIP_PORT: await port(),
    MATCHING_GRPC_PORT: await port(),
    MATCHING_MEMBERSHIP_PORT: await port(),
    WORKER_GRPC_PORT: await port(),
    WORKER_MEMBERSHIP_PORT: await port(),
  };
  address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const dynamicConfig = join(dir, 'dynamic-config.yaml');
  writeFileSync(
    dynamicConfig,
    'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n',
  );
  logFile = join(dir, 'temporal-server.log');
  const log = openSync(logFile, 'a');
  const tls = tlsEnv(services.temporal!, /^TEMPORAL_TLS_/);
  expect(Object.keys(tls).length).toBeGreaterThanOrEqual(9);
  server = spawn(join(bin, 'temporal-server'), ['start'], {
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH,
      ...tls,
      ...ports,
      DB: 'postgres12',
      DB_PORT: String(state.pgPort),
      POSTGRES_SEEDS: '127.0.0.1',
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: DB_PASSWORD,
      DBNAME: db.temporal,
      VISIBILITY_DBNAME: db.visibility,
      BIND_ON_IP: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: dynamicConfig,
      TEMPORAL_ALLOW_NO_AUTH: 'true',
      LOG_LEVEL: 'warn',
    },
  });
  closeSync(log);
  let exited: string | undefined;
  server.once('exit', (code, signal) => (exited = signal ?? `code ${code}`));

  const rackshiftTls = tlsEnv(services['rackshift-setup']!, /^TEMPORAL_TLS_/);
  for (;;) {
    if (exited !== undefined)
      throw new Error(
        `temporal-server exited (${exited}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`,
      );
    try {
      const c = await connect({
        serverRootCACertificate: readFileSync(rackshiftTls.TEMPORAL_TLS_SERVER_CA_CERT_PATH!),
        clientCertPair: {
          crt: readFileSync(rackshiftTls.TEMPORAL_TLS_CLIENT_CERT_PATH!),
          key: readFileSync(rackshiftTls.TEMPORAL_TLS_CLIENT_KEY_PATH!),
        },
        serverNameOverride: rackshiftTls.TEMPORAL_TLS_SERVER_NAME!,
      });
      try {
        await c.workflowService.describeNamespace({ namespace: 'temporal-system' });
        break;
      } finally {
        await c.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
});

afterAll(async () => {
  if (server?.exitCode === null) {
    const gone = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("`rackshift admin setup` with the setup job's TEMPORAL_TLS_* variables sets up the namespace; the server logs no TLS failure", async () => {
  const env = tlsEnv(services['rackshift-setup']!, /^TEMPORAL_TLS_/);
  expect(Object.keys(env).sort()).toEqual([
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'TEMPORAL_TLS_CLIENT_KEY_PATH',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    'TEMPORAL_TLS_SERVER_NAME',
  ]);
  const saved = { ...process.env };
  Object.assign(process.env, env, { TEMPORAL_ADDRESS: address });
  try {
    const out = await runCli(['admin', 'setup', '--namespace', NS]);
    expect(out).toContain(`namespace ${NS}: created`);
    expect(out).toContain(`namespace ${NS}: added search attributes`);
    // Before any client without a certificate knocks: internode and the server's system worker
    // (which dials the frontend with the internode certificate) left no TLS failure behind.
    expect(readFileSync(logFile, 'utf8')).not.toMatch(
      /tls:|bad certificate|unknown authority|x509:|handshake/i,
    );
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

it('the frontend refuses a client without a certificate, and plain gRPC', async () => {
  const ca = readFileSync(join(dir, 'certs', 'ca.pem'));
  const attempt = async (tls: Tls): Promise<string> => {
    try {
      const c = await connect(tls);
      try {
        await c.workflowService.describeNamespace({ namespace: NS });
        return 'answered';
      } finally {
        await c.close();
      }
    } catch {
      return 'refused';
    }
  };
  expect(await attempt({ serverRootCACertificate: ca, serverNameOverride: 'temporal' })).toBe(
    'refused',
  );
  expect(await attempt(false)).toBe('refused');
});
