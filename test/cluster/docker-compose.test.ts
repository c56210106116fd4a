import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../support/lab-fixtures';
import { requireTool } from '../support/require-tool';

interface Service {
  image?: string;
  command?: string[] | string;
  hostname?: string;
  restart?: string;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

/** docker-compose.yml as Debian's docker-compose resolves it (offline: no engine, no pulls). */
function resolved(): Record<string, Service> {
  const out = execFileSync(
    requireTool('docker-compose'),
    ['-f', join(ROOT, 'docker-compose.yml'), 'config'],
    { encoding: 'utf8', cwd: ROOT },
  );
  return (parse(out) as { services: Record<string, Service> }).services;
}

const serverVersion = /TEMPORAL_SERVER_VERSION=v(\S+)/.exec(
  readFileSync(join(ROOT, 'scripts', 'temporal-cluster-setup.sh'), 'utf8'),
)![1]!;

describe('docker-compose.yml', () => {
  const services = resolved();

  it('is accepted by docker-compose config, with every part the tests prove', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'postgresql',
        'rackshift-api',
        'rackshift-setup',
        'rackshift-worker-1',
        'rackshift-worker-2',
        'temporal',
        'temporal-schema',
        'temporal-ui',
      ].sort(),
    );
  });

  it('pins the Temporal images to the server version the cluster tests run', () => {
    expect(services.temporal!.image).toBe(`temporalio/server:${serverVersion}`);
    expect(services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${serverVersion}`);
    for (const [name, s] of Object.entries(services))
      if (s.image)
        expect({ name, image: s.image }).toEqual({
          name,
          image: expect.stringMatching(/:[0-9][\w.-]*$|^rackshift:local$/),
        });
  });

  it('nothing fails quietly: no `|| true`; jobs run once; the rest restart and start in order on health', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).not.toContain('|| true');
    expect(services['rackshift-setup']!.command).toEqual([
      'admin',
      'setup',
      '--retention-days',
      '30',
    ]);
    for (const job of ['temporal-schema', 'rackshift-setup'])
      expect(services[job]!.restart).toBe('no');
    for (const name of [
      'postgresql',
      'temporal',
      'temporal-ui',
      'rackshift-worker-1',
      'rackshift-worker-2',
      'rackshift-api',
    ])
      expect({ name, restart: services[name]!.restart }).toEqual({
        name,
        restart: 'unless-stopped',
      });
    for (const name of ['postgresql', 'temporal', 'rackshift-api'])
      expect(services[name]!.healthcheck).toBeDefined();
    expect(services.temporal!.depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['rackshift-setup']!.depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
    });
    for (const name of ['rackshift-worker-1', 'rackshift-worker-2', 'rackshift-api'])
      expect(services[name]!.depends_on).toEqual({
        'rackshift-setup': { condition: 'service_completed_successfully' },
      });
  });

  it('two worker replicas with distinct host names (their identities), the API with --boot-allow and --ui-url, one namespace', () => {
    expect(services['rackshift-worker-1']!.hostname).not.toBe(
      services['rackshift-worker-2']!.hostname,
    );
    const api = services['rackshift-api']!.command as string[];
    expect(api).toEqual(expect.arrayContaining(['--boot-allow', '--ui-url']));
    for (const name of [
      'rackshift-setup',
      'rackshift-worker-1',
      'rackshift-worker-2',
      'rackshift-api',
    ])
      expect(services[name]!.environment).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: 'rackshift',
      });
  });
});
