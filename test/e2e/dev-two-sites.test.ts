import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDev, type DevProcess } from '../support/dev-process';
import { freePort } from '../support/free-port';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(240_000);

const TWO_SITES = join(__dirname, '..', '..', 'examples', 'two-sites.yaml');

describe('rackshift dev --topology examples/two-sites.yaml', () => {
  let dev: DevProcess | undefined;
  afterAll(async () => {
    await dev?.stop();
  });

  it('starts with a guard per site, seeds both sites, and the lab arrays replicate', async () => {
    const data = mkdtempSync(join(tmpdir(), 'rackshift-dev-two-sites-'));
    const { file } = await relocatedTopology(TWO_SITES);
    const [api, temporal, ui, labPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    dev = await startDev([
      ...['--data', data, '--topology', file, '--api-port', String(api)],
      ...['--temporal-port', String(temporal), '--ui-port', String(ui)],
      ...['--lab-port', String(labPort)],
    ]);
    expect(dev.output()).toContain('site guard of site-a: started');
    expect(dev.output()).toContain('site guard of site-b: started');
    await dev.waitFor('seed: 3 of 3 persona(s) running at home');
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    const guards = (await (
      await fetch(`http://127.0.0.1:${api}/api/v1/guards`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { guards: Array<{ site: string; state: string }> };
    expect(guards.guards.map((g) => g.site).sort()).toEqual(['site-a', 'site-b']);
    expect(guards.guards.every((g) => g.state !== 'not-running')).toBe(true);
    const lab = (await (await fetch(`http://127.0.0.1:${labPort}/lab/state`)).json()) as {
      arrays: Record<string, { luns: Record<string, { drbd?: { role: string } }> }>;
    };
    expect(lab.arrays['array-a']?.luns['db-01-boot']?.drbd?.role).toBe('Primary');
    expect(lab.arrays['array-b']?.luns['db-01-boot-r']?.drbd?.role).toBe('Secondary');
    expect(await dev.stop()).toBe(0);
    dev = undefined;
  });
});
