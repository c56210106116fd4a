import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ROOT } from './lab-fixtures';

/**
 * The production-shaped Temporal service the `cluster` jest project runs on: the real
 * `temporal-server` binary, its frontend behind mTLS (a client certificate is required), (built
 * from go.temporal.io/server by
 * scripts/temporal-cluster-setup.sh) on PostgreSQL, run as an unprivileged user in a temp
 * folder. jest's globalSetup starts one per run (startTemporalCluster) and writes its state to
 * a JSON file named in RACKSHIFT_CLUSTER_STATE; suites read it (clusterState) and may SIGKILL
 * and restart the server (restartClusterServer); globalTeardown stops it all.
 */
export interface ClusterState {
  readonly dir: string;
  readonly address: string;
  readonly serverBin: string;
  /** The server's arguments: the stock `start`, or the ledger writers of rackshift's server. */
  readonly serverArgs: readonly string[];
  readonly configFile: string;
  readonly logFile: string;
  readonly pgData: string;
  readonly pgPort: number;
  readonly pgUser: string | undefined;
  /**
   * mTLS on the frontend: the CA, a client certificate the server accepts, the name on the server's
   * certificate.
   */
  readonly tls: {
    readonly ca: string;
    readonly cert: string;
    readonly key: string;
    readonly serverName: string;
    /** More client certificates from the same CA, by subject CN (`clientCns`). */
    readonly clients: Readonly<Record<string, { readonly cert: string; readonly key: string }>>;
  };
  serverPid: number;
  /** Milliseconds: PostgreSQL up with the schema; the server answering. */
  readonly timings: { readonly postgresAndSchemaMs: number; serverStartMs: number };
}

/** Debian's PostgreSQL binaries (package `postgresql`), newest major version installed. */
function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0)
    throw new Error(
      `no PostgreSQL under ${root}: run \`bash scripts/setup.sh\` (installs Debian's postgresql package)`,
    );
  return join(root, majors[0]!, 'bin');
}
/** The cluster's PostgreSQL password (user `temporal`): a throw-away test database. */
export const DB_PASSWORD = 'temporal-test';

/**
 * A free loopback port at or below `max`: PostgreSQL keeps membership ports in a SMALLINT column.
 */
export async function freePortBelow(max: number, taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i += 1) {
    const port = 20_000 + Math.floor(Math.random() * (max - 20_000));
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port below ${max}`);
}

/** The cached server build; fails naming the script that makes it. */
function serverBuild(): { bin: string; sqlTool: string; schema: string } {
  const out = spawnSync('bash', [join(ROOT, 'scripts', 'temporal-cluster-setup.sh'), '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0)
    throw new Error(
      'scripts/temporal-cluster-setup.sh failed: the Temporal server could not be built (see above)',
    );
  const dir = join(ROOT, out.stdout.trim());
  return {
    bin: join(dir, 'bin', 'temporal-server'),
    sqlTool: join(dir, 'bin', 'temporal-sql-tool'),
    schema: join(dir, 'schema', 'postgresql', 'v12'),
  };
}

/** rackshift's server (temporal/authz-server), built by its script; fails naming it. */
function authzServerBin(): string {
  const script = join(ROOT, 'scripts', 'temporal-authz-server-setup.sh');
  const out = spawnSync('bash', [script, '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0)
    throw new Error(
      'scripts/temporal-authz-server-setup.sh failed: rackshift-temporal-server not built',
    );
  return join(ROOT, out.stdout.trim(), 'bin', 'rackshift-temporal-server');
}

/** initdb refuses root: as root, PostgreSQL runs as Debian's `postgres` user. */
function pgUser(): string | undefined {
  return process.getuid?.() === 0 ? 'postgres' : undefined;
}

function asPg(user: string | undefined, cmd: string, args: string[]): void {
  const [file, argv] = user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];
  const out = spawnSync(file, argv, { encoding: 'utf8' });
  if (out.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}):\n${out.stdout}${out.stderr}`);
}

/**
 * A throw-away CA, the frontend's certificate (also its client certificate towards itself) and a
 * client certificate for rackshift's processes, with openssl.
 */
function makeCerts(
  dir: string,
  clientCns: readonly string[],
): ClusterState['tls'] & {
  serverCert: string;
  serverKey: string;
  systemCert: string;
  systemKey: string;
} {
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    const out = spawnSync('openssl', args, { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`openssl ${args[0]} failed:\n${out.stderr}`);
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=rackshift test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  const leaf = (name: string, cn: string, usage: string): void => {
    writeFileSync(
      f(`${name}.ext`),
      `subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=${usage}\n`,
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.pem`),
    );
  };
  leaf('frontend', 'localhost', 'serverAuth,clientAuth');
  leaf('system-worker', 'temporal-system-worker', 'clientAuth');
  leaf('rackshift', 'rackshift', 'clientAuth');
  const clients: Record<string, { cert: string; key: string }> = {};
  clientCns.forEach((cn, i) => {
    leaf(`client-${i}`, cn, 'clientAuth');
    clients[cn] = { cert: f(`client-${i}.pem`), key: f(`client-${i}.key`) };
  });
  return {
    clients,
    ca: f('ca.pem'),
    cert: f('rackshift.pem'),
    key: f('rackshift.key'),
    serverName: 'localhost',
    serverCert: f('frontend.pem'),
    serverKey: f('frontend.key'),
    systemCert: f('system-worker.pem'),
    systemKey: f('system-worker.key'),
  };
}

/** Connection options of a client that holds the test client certificate. */
export function clusterTls(
  state: ClusterState,
  cn?: string,
): {
  serverRootCACertificate: Buffer;
  clientCertPair: { crt: Buffer; key: Buffer };
  serverNameOverride: string;
} {
  const pair = cn === undefined ? state.tls : state.tls.clients[cn];
  if (!pair) throw new Error(`no client certificate for CN ${cn} (clientCns)`);
  return {
    serverRootCACertificate: readFileSync(state.tls.ca),
    clientCertPair: { crt: readFileSync(pair.cert), key: readFileSync(pair.key) },
    serverNameOverride: state.tls.serverName,
  };
}

/** The same, as `rackshift` flags. */
export function clusterArgs(state: ClusterState, cn?: string): string[] {
  const pair = cn === undefined ? state.tls : state.tls.clients[cn];
  if (!pair) throw new Error(`no client certificate for CN ${cn} (clientCns)`);
  return [
    '--temporal',
    state.address,
    '--tls-ca',
    state.tls.ca,
    '--tls-cert',
    pair.cert,
    '--tls-key',
    pair.key,
    '--tls-server-name',
    state.tls.serverName,
  ];
}

function serverConfig(o: {
  pgPort: number;
  ports: Record<string, number>;
  dynamicConfig: string;
  certs: ReturnType<typeof makeCerts>;
}): string {
  const c = o.certs;
  const store = (db: string, conns: number): string => `
      sql:
        pluginName: postgres12
        databaseName: ${db}
        connectAddr: "127.0.0.1:${o.pgPort}"
        connectProtocol: tcp
        user: temporal
        password: ${DB_PASSWORD}
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: 1h`;
  const svc = (name: string, grpc: number, membership: number, extra = ''): string => `
  ${name}:
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  const p = o.ports;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:${store('temporal', 20)}
    visibility:${store('temporal_visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  tls:
    frontend:
      server:
        certFile: ${c.serverCert}
        keyFile: ${c.serverKey}
        clientCaFiles: [${c.ca}]
        requireClientAuth: true
      client:
        serverName: ${c.serverName}
        rootCaFiles: [${c.ca}]
    systemWorker:
      certFile: ${c.systemCert}
      keyFile: ${c.systemKey}
      client:
        serverName: ${c.serverName}
        rootCaFiles: [${c.ca}]
services:${svc('frontend', p.frontend!, p.frontendMembership!, `\n      httpPort: ${p.frontendHttp}`)}${svc('history', p.history!, p.historyMembership!)}${svc('matching', p.matching!, p.matchingMembership!)}${svc('worker', p.worker!, p.workerMembership!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${p.frontend}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${o.dynamicConfig}
  pollInterval: 10s
`;
}

/**
 * Starts the server from the state's config (detached, so any process may kill and restart it) and
 * waits until it answers.
 */
export async function startClusterServer(
  state: ClusterState,
  timeoutMs = 120_000,
): Promise<number> {
  const started = Date.now();
  const log = openSync(state.logFile, 'a');
  const child = spawn(state.serverBin, ['--config-file', state.configFile, ...state.serverArgs], {
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `code ${code}`));
  state.serverPid = child.pid!;
  for (;;) {
    if (exited !== undefined)
      throw new Error(
        `temporal-server exited (${exited}) before it answered; see ${state.logFile}:\n${readFileSync(state.logFile, 'utf8').slice(-3000)}`,
      );
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `temporal-server did not answer within ${timeoutMs} ms; see ${state.logFile}`,
      );
    try {
      const connection = await Connection.connect({
        address: state.address,
        tls: clusterTls(state),
        connectTimeout: 1000,
      });
      try {
        // The system namespace answers once history and matching have joined the ring.
        await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
        state.timings.serverStartMs = Date.now() - started;
        return state.timings.serverStartMs;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the server (SIGKILL when `crash`) and waits for it to be gone. */
export async function stopClusterServer(
  state: ClusterState,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!processAlive(state.serverPid)) return;
  process.kill(state.serverPid, signal);
  const deadline = Date.now() + 30_000;
  while (processAlive(state.serverPid)) {
    if (Date.now() > deadline) process.kill(state.serverPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `ledgerWriters`: run rackshift's server (temporal/authz-server) instead of the stock one, with
 * these client certificate CNs as the only ones that may change ledger/* workflows.
 * `clientCns`: more client certificates to make (state.tls.clients).
 */
export async function startTemporalCluster(
  options: { ledgerWriters?: readonly string[]; clientCns?: readonly string[] } = {},
): Promise<ClusterState> {
  const build = serverBuild();
  const writers = options.ledgerWriters;
  const serverBin = writers ? authzServerBin() : build.bin;
  const serverArgs = writers
    ? ['--ledger-writers', writers.join(',')]
    : ['--allow-no-auth', 'start'];
  const dir = mkdtempSync(join(tmpdir(), 'rackshift-cluster-'));
  chmodSync(dir, 0o755);
  const user = pgUser();
  const pgData = join(dir, 'pgdata');
  mkdirSync(pgData, { mode: 0o700 });
  if (user) {
    const id = execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim();
    chownSync(pgData, Number(id), Number(gid));
  }
  const taken = new Set<number>();
  const pgPort = await freePortBelow(32_767, taken);
  const t0 = Date.now();
  const pwFile = join(dir, 'pgpass');
  writeFileSync(pwFile, `${DB_PASSWORD}\n`, { mode: 0o644 });
  asPg(user, join(pgBin(), 'initdb'), [
    '-D',
    pgData,
    '-U',
    'temporal',
    '--pwfile',
    pwFile,
    '-A',
    'scram-sha-256',
    '--no-sync',
  ]);
  rmSync(pwFile);
  // fsync off: a test database, its durability is not under test (the server's is).
  const pgOptions = `-c listen_addresses=127.0.0.1 -p ${pgPort} -k ${pgData} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  asPg(user, join(pgBin(), 'pg_ctl'), [
    '-D',
    pgData,
    '-l',
    join(pgData, 'postgres.log'),
    '-o',
    pgOptions,
    '-w',
    'start',
  ]);
  const sql = (db: string, ...args: string[]): void => {
    const out = spawnSync(
      build.sqlTool,
      [
        '--plugin',
        'postgres12',
        '--ep',
        '127.0.0.1',
        '-p',
        String(pgPort),
        '-u',
        'temporal',
        '--pw',
        DB_PASSWORD,
        '--db',
        db,
        ...args,
      ],
      { encoding: 'utf8' },
    );
    if (out.status !== 0)
      throw new Error(
        `temporal-sql-tool --db ${db} ${args.join(' ')} failed:\n${out.stdout}${out.stderr}`,
      );
  };
  for (const [db, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    sql(db, 'create-database');
    sql(db, 'setup-schema', '-v', '0.0');
    sql(db, 'update-schema', '-d', join(build.schema, schema, 'versioned'));
  }
  const postgresAndSchemaMs = Date.now() - t0;

  const ports: Record<string, number> = {};
  for (const name of [
    'frontend',
    'frontendHttp',
    'history',
    'matching',
    'worker',
    'frontendMembership',
    'historyMembership',
    'matchingMembership',
    'workerMembership',
  ]) {
    ports[name] = await freePortBelow(32_767, taken);
  }
  const dynamicConfig = join(dir, 'dynamic-config.yaml');
  // Search attributes added by `rackshift admin setup` are seen by the next request, not after a
  // cache refresh.
  writeFileSync(
    dynamicConfig,
    'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n',
  );
  const certs = makeCerts(dir, options.clientCns ?? []);
  const configFile = join(dir, 'temporal-server.yaml');
  writeFileSync(configFile, serverConfig({ pgPort, ports, dynamicConfig, certs }));
  const state: ClusterState = {
    dir,
    address: `127.0.0.1:${ports.frontend}`,
    serverBin,
    serverArgs,
    configFile,
    logFile: join(dir, 'temporal-server.log'),
    pgData,
    pgPort,
    pgUser: user,
    tls: {
      ca: certs.ca,
      cert: certs.cert,
      key: certs.key,
      serverName: certs.serverName,
      clients: certs.clients,
    },
    serverPid: 0,
    timings: { postgresAndSchemaMs, serverStartMs: 0 },
  };
  await startClusterServer(state);
  return state;
}

export async function stopTemporalCluster(state: ClusterState): Promise<void> {
  await stopClusterServer(state, 'SIGTERM').catch(() => undefined);
  if (existsSync(state.pgData)) {
    try {
      asPg(state.pgUser, join(pgBin(), 'pg_ctl'), [
        '-D',
        state.pgData,
        '-m',
        'immediate',
        '-w',
        'stop',
      ]);
    } catch {
      // Already stopped.
    }
  }
  rmSync(state.dir, { recursive: true, force: true });
}

/** The state globalSetup wrote, for a suite of the cluster project. */
export function clusterState(): ClusterState {
  const file = process.env.RACKSHIFT_CLUSTER_STATE;
  if (!file)
    throw new Error(
      'RACKSHIFT_CLUSTER_STATE is not set: cluster suites run in the `cluster` jest project (test/support/global-cluster.ts)',
    );
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

/**
 * SIGKILL (or SIGTERM) the server, then start it again on the same database and ports; returns the
 * downtime in ms.
 */
export async function restartClusterServer(
  state: ClusterState,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<number> {
  const t = Date.now();
  await stopClusterServer(state, signal);
  await startClusterServer(state);
  writeFileSync(process.env.RACKSHIFT_CLUSTER_STATE!, JSON.stringify(state));
  return Date.now() - t;
}
