import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialError } from '../../common/errors';
import { StaticSecretStore, type Secret } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import type { ExecResult, SshSession } from '../../drivers/ssh/ssh-transport';
import { SshSwitchDriver, type SwitchDriverOptions } from '../../drivers/switch/ssh-switch-driver';
import { ConfigurationBusyError, PrivilegeRefusedError } from '../../drivers/switch/switch-errors';
import type { Switch, SwitchVendor, Topology } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import type { LabSwitchesComponent } from '../../lab/switch/start-lab-switches';
import { profileNames, type ProfiledVendor } from '../../lab/switch/switch-profiles';
import { LAB_PORTS, switchLabTopology } from '../support/switch-lab-topology';

const VENDORS: ProfiledVendor[] = [
  'cisco-ios',
  'arista-eos',
  'dell-os10',
  'junos',
  'cumulus-nvue',
  'sonic',
];
/** Shorter than a slow-commit profile's commit, so only the commit timeout lets it through. */
const OPTIONS: SwitchDriverOptions = {
  commandTimeoutMs: 1_000,
  busyRetryMs: 100,
  busyWaitMs: 10_000,
};

describe('every switch driver against every quirk profile of its lab peer', () => {
  let dataDir: string;
  let topology: Topology;
  let lab: Lab;
  let switches: LabSwitchesComponent;
  const drivers: SshSwitchDriver[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rackshift-switch-profiles-'));
    topology = await switchLabTopology(VENDORS);
    lab = await startLab({ topology, dataDir, only: ['switches'] });
    switches = lab.components.find((c) => c.kind === 'switches') as LabSwitchesComponent;
  });

  afterAll(async () => {
    for (const d of drivers) await d.close();
    await lab?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function spec(vendor: SwitchVendor): Switch {
    const sw = topology.sites[0]?.switches.find((s) => s.vendor === vendor);
    if (sw === undefined) throw new Error(vendor);
    return sw;
  }

  function driverFor(
    vendor: SwitchVendor,
    secret: Secret = lab.credentials['lab-switch'] as Secret,
    options = OPTIONS,
  ): SshSwitchDriver {
    const connector = new Ssh2Connector(new StaticSecretStore({ 'lab-switch': secret }), {
      commandTimeoutMs: 5_000,
      backoffInitialMs: 10,
    });
    const d = new SshSwitchDriver(spec(vendor), connector, options);
    drivers.push(d);
    return d;
  }

  it('a profile is chosen through the lab control server; an unknown one is refused naming the field', async () => {
    const post = (id: string, body: unknown): Promise<Response> =>
      fetch(`${lab.controlUrl}/lab/switches/${id}/profile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await post('sw-junos', { profile: 'slow-commit' });
    expect(ok.status).toBe(200);
    expect(switches.switch('sw-junos').profile).toBe('slow-commit');
    const unknown = await post('sw-junos', { profile: 'priv15-login' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { issues: Array<{ path: string }> }).issues[0]?.path).toBe(
      'profile',
    );
    expect((await post('sw-nope', { profile: 'slow-commit' })).status).toBe(404);
    expect(switches.switch('sw-junos').profile).toBe('slow-commit');
    switches.switch('sw-junos').useProfile('private-candidate');
  });

  /** A raw SSH session to a lab switch with the lab's credential, closed after `use`. */
  async function withSession<T>(
    vendor: SwitchVendor,
    use: (session: SshSession) => Promise<T>,
  ): Promise<T> {
    const sw = spec(vendor);
    const connector = new Ssh2Connector(
      new StaticSecretStore({ 'lab-switch': lab.credentials['lab-switch'] as Secret }),
    );
    const session = await connector.connect({
      deviceId: sw.id,
      host: sw.address,
      port: sw.port,
      hostKeyFingerprint: sw.hostKeyFingerprint,
      credential: 'lab-switch',
    });
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  }

  const cases = VENDORS.flatMap((vendor) =>
    profileNames(vendor).map((profile) => [vendor, profile] as const),
  );

  describe.each(cases)('%s, profile %s', (vendor, profile) => {
    const [accessPort] = LAB_PORTS[vendor] as [string, string];
    const peer = () => switches.switch(`sw-${vendor}`);

    /** Profiles where the driver must stop with a clear error rather than change anything. */
    const refusal =
      vendor === 'sonic' && profile === 'sudo-password'
        ? /refused sudo: sudo: a terminal is required[\s\S]*NOPASSWD/
        : undefined;

    it(
      refusal === undefined
        ? 'changes VLANs, shuts, restores the port exactly and saves'
        : 'refuses clearly and changes nothing',
      async () => {
        peer().useProfile(profile);
        const original = peer().config.render();
        const d = driverFor(vendor);
        if (refusal !== undefined) {
          const err = await d.setAccessVlan(accessPort, 120).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(PrivilegeRefusedError);
          expect((err as Error).message).toMatch(refusal);
          expect(await d.readPort(accessPort)).toMatchObject({ mode: 'access', accessVlan: 110 });
          expect(peer().config.render()).toBe(original);
          return;
        }
        const access = await d.setAccessVlan(accessPort, 120);
        expect(access.before).toMatchObject({ mode: 'access', accessVlan: 110 });
        expect(peer().config.effective(accessPort)).toMatchObject({
          mode: 'access',
          accessVlan: 120,
        });
        await d.setTrunkVlans(accessPort, [110, 130]);
        await d.addTrunkVlan(accessPort, 200);
        await d.removeTrunkVlan(accessPort, 110);
        await d.shutdown(accessPort);
        expect(peer().config.effective(accessPort)).toMatchObject({
          mode: 'trunk',
          trunkVlans: [130, 200],
          shutdown: true,
        });
        await d.configurePort(accessPort, access.before);
        await d.saveConfig();
        expect(peer().config.render()).toBe(original);
        expect(peer().startup).toBe(original);
      },
      20_000,
    );
  });

  describe.each(['cisco-ios', 'arista-eos'] as const)('%s enable', (vendor) => {
    const [accessPort] = LAB_PORTS[vendor] as [string, string];
    const refusal = vendor === 'cisco-ios' ? '% Bad secrets' : '% Access denied';
    const peer = () => switches.switch(`sw-${vendor}`);
    beforeEach(() => peer().useProfile('user-exec-login'));

    it(`a wrong enable secret is PrivilegeRefusedError with "${refusal}", nothing changes`, async () => {
      const before = peer().config.render();
      const secret = {
        ...(lab.credentials['lab-switch'] as Secret),
        enableSecret: 'not-the-secret',
      };
      const err = await driverFor(vendor, secret)
        .setAccessVlan(accessPort, 130)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PrivilegeRefusedError);
      expect((err as Error).message).toContain(refusal);
      expect((err as Error).message).not.toContain('not-the-secret');
      expect(peer().config.render()).toBe(before);
    });

    it('a credential without an enable secret is a CredentialError naming it', async () => {
      const { enableSecret: _none, ...secret } = lab.credentials['lab-switch'] as Secret;
      const err = await driverFor(vendor, secret)
        .readPort(accessPort)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CredentialError);
      expect((err as Error).message).toMatch(/"lab-switch".*enableSecret/);
    });

    it('user EXEC refuses configuration and the running configuration with the real text', async () => {
      await withSession(vendor, async (session) => {
        const shell = await session.shell(/(?:^|\n)[A-Za-z0-9._-]+(?:\([^)]*\))?[#>] ?$/);
        expect(shell.lastPrompt).toBe(`sw-${vendor}>`);
        const text = await shell.send('configure terminal');
        if (vendor === 'cisco-ios')
          expect(text).toMatch(/\^\n% Invalid input detected at '\^' marker\.$/);
        else expect(text).toBe('% Invalid input (privileged mode required)');
        expect(
          await shell.send(
            `show running-config interface${vendor === 'arista-eos' ? 's' : ''} ${accessPort}`,
          ),
        ).toMatch(/% Invalid input/);
        expect(shell.lastPrompt).toBe(`sw-${vendor}>`);
      });
    });
  });

  describe('cumulus-nvue pending revision', () => {
    const peer = () => switches.switch('sw-cumulus-nvue');
    const exec = (command: string): Promise<ExecResult> =>
      withSession('cumulus-nvue', (session) => session.exec(command));

    it('stages nv set in a pending revision that only nv config apply makes live; apply-prompt needs -y; detach drops it', async () => {
      peer().useProfile('apply-prompt');
      const before = peer().config.render();
      expect((await exec('nv set interface swp1 bridge domain br_default access 130')).code).toBe(
        0,
      );
      expect(peer().config.render()).toBe(before);
      const prompted = await exec('nv config apply');
      expect(prompted.code).toBe(1);
      expect(prompted.stderr).toContain('Are you sure? [y/N]');
      expect(peer().config.render()).toBe(before);
      await exec('nv config detach');
      expect((await exec('nv config apply -y')).stdout).toContain('no pending changes');
      expect(peer().config.render()).toBe(before);
      await exec('nv set interface swp1 bridge domain br_default access 130');
      expect((await exec('nv config apply -y')).stdout).toMatch(/^applied \[rev_id: \d+\]/);
      expect(peer().config.effective('swp1')).toMatchObject({ accessVlan: 130 });
      const show = JSON.parse((await exec('nv show interface swp1 -o json')).stdout) as {
        bridge: { domain: { br_default: { access: number } } };
      };
      expect(show.bridge.domain.br_default.access).toBe(130);
      await exec('nv set interface swp1 bridge domain br_default access 110');
      await exec('nv config apply --assume-yes');
    });
  });

  describe('junos configuration database', () => {
    const peer = () => switches.switch('sw-junos');

    it('exit with uncommitted changes asks first, as Junos does; yes drops a private candidate', async () => {
      peer().useProfile('private-candidate');
      const before = peer().config.render();
      const junosPrompt = /(?:^|\n)[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#] ?$/;
      await withSession('junos', async (session) => {
        const shell = await session.shell(junosPrompt);
        expect(await shell.send('configure private')).toContain(
          'warning: uncommitted changes will be discarded on exit',
        );
        await shell.send('set interfaces ge-0/0/1 disable');
        const asked = await shell.send('exit', {
          prompt: /(?:^|\n)Discard uncommitted changes\? \[yes,no\] \(yes\) $/,
        });
        expect(asked).toContain('The configuration has been changed but not committed');
        expect(shell.lastPrompt).toBe('Discard uncommitted changes? [yes,no] (yes)');
        expect(await shell.send('yes')).toContain('Exiting configuration mode');
        expect(shell.lastPrompt).toMatch(/>$/);
      });
      expect(peer().config.render()).toBe(before);
    });

    it('writes and reads members by VLAN name, as the configuration names them', async () => {
      peer().useProfile('private-candidate');
      expect(peer().config.renderPort('ge-0/0/2')).toContain('members [ storage mgmt ];');
      const d = driverFor('junos');
      expect(await d.readPort('ge-0/0/2')).toMatchObject({ mode: 'trunk', trunkVlans: [200, 300] });
      await d.removeTrunkVlan('ge-0/0/2', 300);
      expect(peer().config.renderPort('ge-0/0/2')).toContain('members storage;');
      await d.addTrunkVlan('ge-0/0/2', 300);
      expect(peer().config.renderPort('ge-0/0/2')).toContain('members [ storage mgmt ];');
    });

    it("a colleague's unfinished shared-candidate work is never committed with ours", async () => {
      peer().useProfile('shared-edits-by-other');
      await driverFor('junos').setAccessVlan('ge-0/0/1', 130);
      expect(peer().config.effective('ge-0/0/1')).toMatchObject({ accessVlan: 130 });
      expect(peer().config.renderPort('ge-0/0/47')).not.toContain('disable;');
      await driverFor('junos').setAccessVlan('ge-0/0/1', 110);
    });

    it('a lock held longer than the driver waits is ConfigurationBusyError with the switch text, nothing changes', async () => {
      peer().useProfile('locked-by-other');
      const before = peer().config.render();
      const err = await driverFor('junos', undefined, { ...OPTIONS, busyWaitMs: 300 })
        .setAccessVlan('ge-0/0/1', 130)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationBusyError);
      expect((err as ConfigurationBusyError).retryable).toBe(true);
      expect((err as Error).message).toContain(
        'error: configuration database locked by:\n  netops terminal',
      );
      expect(peer().config.render()).toBe(before);
    });
  });
});
