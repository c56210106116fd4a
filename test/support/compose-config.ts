import { execFileSync } from 'node:child_process';
import { isAbsolute, join, relative } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './lab-fixtures';
import { requireTool } from './require-tool';

/**
 * docker-compose.yml and its overrides as Debian's docker-compose resolves them (offline: no
 * engine, no pulls), and the checks test/deploy/docker-compose.test.ts makes on the result.
 */
export interface Service {
  image?: string;
  command?: string[] | string;
  hostname?: string;
  restart?: string;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; target: string; read_only?: boolean })[];
}
export type Services = Record<string, Service>;

export const OVERRIDES = {
  mtls: 'docker-compose.mtls.yml',
  codec: 'docker-compose.codec.yml',
  https: 'docker-compose.https.yml',
} as const;
export type Override = keyof typeof OVERRIDES;

/** Only these variables reach docker-compose: a developer's own RACKSHIFT_* must not. */
function composeEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...vars };
}

function composeArgs(files: string[]): string[] {
  return [
    '--project-directory',
    ROOT,
    ...files.flatMap((f) => ['-f', isAbsolute(f) ? f : join(ROOT, f)]),
    'config',
  ];
}

/** The resolved services of docker-compose.yml plus `files`; throws with compose's message. */
export function resolve(files: string[] = [], vars: Record<string, string> = {}): Services {
  const out = execFileSync(
    requireTool('docker-compose'),
    composeArgs(['docker-compose.yml', ...files]),
    {
      encoding: 'utf8',
      cwd: ROOT,
      env: composeEnv(vars),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return (parse(out) as { services: Services }).services;
}

/** compose's error when it refuses the files (undefined when it accepts them). */
export function refusal(files: string[], vars: Record<string, string> = {}): string | undefined {
  try {
    resolve(files, vars);
    return undefined;
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** Bind mounts, source relative to the project folder (`certs/ca.pem`). */
export function mounts(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v !== 'string')
      return { source: relative(ROOT, v.source ?? ''), target: v.target, readOnly: !!v.read_only };
    const [source = '', target = '', mode = 'rw'] = v.split(':');
    return { source: relative(ROOT, source), target, readOnly: mode.split(',').includes('ro') };
  });
}

/** Services that talk to the Temporal frontend: rackshift's and anything given its address. */
export function temporalClients(services: Services): string[] {
  return Object.entries(services)
    .filter(([, s]) => s.image === 'rackshift:local' || s.environment?.TEMPORAL_ADDRESS)
    .map(([name]) => name)
    .sort();
}

/** `name: what` for each variable in `vars` not set to a file this service mounts read-only. */
function fileGaps(name: string, s: Service, vars: string[]): string[] {
  const ro = new Set(
    mounts(s)
      .filter((m) => m.readOnly)
      .map((m) => m.target),
  );
  return vars.flatMap((v) => {
    const file = s.environment?.[v];
    if (!file) return [`${name}: no ${v}`];
    return ro.has(file) ? [] : [`${name}: ${v}=${file} is not a read-only mount`];
  });
}

function valueGaps(name: string, s: Service, want: Record<string, string | RegExp>): string[] {
  return Object.entries(want).flatMap(([v, expected]) => {
    const got = s.environment?.[v];
    const ok =
      got !== undefined && (typeof expected === 'string' ? got === expected : expected.test(got));
    return ok ? [] : [`${name}: ${v} is ${got ?? 'unset'}, wants ${String(expected)}`];
  });
}

/**
 * What keeps a service from mTLS with the frontend: the server requiring client certificates on
 * the frontend and between its own services, and every client presenting one and checking the
 * server's name. Empty when nothing is missing.
 */
export function mtlsGaps(services: Services): string[] {
  const gaps: string[] = [];
  const servers = Object.entries(services).filter(([, s]) =>
    s.image?.startsWith('temporalio/server:'),
  );
  if (servers.length === 0) gaps.push('no temporalio/server service');
  for (const [name, s] of servers)
    gaps.push(
      ...valueGaps(name, s, {
        TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
        TEMPORAL_TLS_INTERNODE_SERVER_NAME: /./,
        TEMPORAL_TLS_FRONTEND_SERVER_NAME: /./,
      }),
      ...fileGaps(name, s, [
        'TEMPORAL_TLS_FRONTEND_CERT',
        'TEMPORAL_TLS_FRONTEND_KEY',
        'TEMPORAL_TLS_CLIENT1_CA_CERT',
        'TEMPORAL_TLS_SERVER_CERT',
        'TEMPORAL_TLS_SERVER_KEY',
        'TEMPORAL_TLS_SERVER_CA_CERT',
      ]),
    );
  for (const name of temporalClients(services)) {
    const s = services[name]!;
    if (s.image === 'rackshift:local')
      gaps.push(
        ...valueGaps(name, s, { TEMPORAL_TLS_SERVER_NAME: /./ }),
        ...fileGaps(name, s, [
          'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
          'TEMPORAL_TLS_CLIENT_CERT_PATH',
          'TEMPORAL_TLS_CLIENT_KEY_PATH',
        ]),
      );
    else if (s.image?.startsWith('temporalio/ui:'))
      gaps.push(
        // Off, the UI does not check the server's certificate at all (InsecureSkipVerify).
        ...valueGaps(name, s, {
          TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
          TEMPORAL_TLS_SERVER_NAME: /./,
        }),
        ...fileGaps(name, s, ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY']),
      );
    else gaps.push(`${name}: a Temporal client of unknown kind (${s.image ?? 'no image'})`);
  }
  return gaps;
}

/** The rackshift processes that encrypt payloads: workers and APIs. */
export function codecUsers(services: Services): string[] {
  return Object.entries(services)
    .filter(([, s]) => Array.isArray(s.command) && ['worker', 'api'].includes(s.command[0]!))
    .map(([name]) => name)
    .sort();
}

/** What keeps payload encryption from working: keys for each worker and API, the UI's codec. */
export function codecGaps(services: Services, apiUrl: string): string[] {
  const gaps = codecUsers(services).flatMap((name) =>
    fileGaps(name, services[name]!, ['RACKSHIFT_CODEC_KEY_FILE']),
  );
  for (const [name, s] of Object.entries(services))
    if (s.image?.startsWith('temporalio/ui:'))
      gaps.push(
        ...valueGaps(name, s, {
          TEMPORAL_CODEC_ENDPOINT: `${apiUrl}/codec`,
          TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true',
        }),
      );
  return gaps;
}

/** Variables that would carry a secret's value instead of a file's path. */
const INLINE_SECRET_VARS =
  /(^|_)(CERT|KEY|CA)_DATA$|^TEMPORAL_TLS_.*_DATA$|^RACKSHIFT_CODEC_KEYS$|^TEMPORAL_API_KEY$|^TEMPORAL_CODEC_AUTH$|^RACKSHIFT_TOKEN$/;

/** `service: what` for each secret value written into the config rather than read from a file. */
export function inlineSecrets(services: Services): string[] {
  return Object.entries(services).flatMap(([name, s]) => [
    ...Object.keys(s.environment ?? {})
      .filter((v) => INLINE_SECRET_VARS.test(v))
      .map((v) => `${name}: ${v} in the environment`),
    ...(JSON.stringify(s).includes('-----BEGIN') ? [`${name}: a PEM block inline`] : []),
    ...((Array.isArray(s.command) ? s.command : [s.command ?? '']).some((a) =>
      /^--(token|temporal-api-key|codec-auth)$/.test(a),
    )
      ? [`${name}: a secret on the command line`]
      : []),
  ]);
}

/** Which services mount each key file (`certs/*.key`, `codec.keys`), and read-only or not. */
export function keyMounts(services: Services): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, s] of Object.entries(services))
    for (const m of mounts(s))
      if (/\.key$|^codec\.keys$/.test(m.source))
        (out[m.source] ??= []).push(m.readOnly ? name : `${name} (read-write)`);
  for (const list of Object.values(out)) list.sort();
  return out;
}
