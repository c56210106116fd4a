import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import {
  HostKeyMismatchError,
  SshAuthError,
  SshTimeoutError,
  SshUnreachableError,
} from '../../drivers/ssh/ssh-errors';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { SWITCH_VENDORS } from '../../drivers/switch/switch-vendors';
import type { Switch, SwitchVendor, Topology } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import type { LabSwitchesComponent } from '../../lab/switch/start-lab-switches';
import { LAB_PORTS, switchLabTopology } from '../support/switch-lab-topology';

const VENDORS: SwitchVendor[] = [
  'cisco-ios',
  'arista-eos',
  'dell-os10',
  'junos',
  'cumulus-nvue',
  'sonic',
];
/** What each peer answers to a configuration line it refuses. */
const REFUSAL: Record<string, RegExp> = {
  junos: /error:/,
  'cumulus-nvue': /^Error: Invalid parameter/,
  sonic: /^Usage: config[\s\S]*\nError: /,
};

describe('switch drivers end to end against the lab switches', () => {
  let dataDir: string;
  let topology: Topology;
  let lab: Lab;
  let switches: LabSwitchesComponent;
  let connector: Ssh2Connector;
  const drivers: SshSwitchDriver[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rackshift-switch-lab-'));
    topology = await switchLabTopology(VENDORS);
    lab = await startLab({ topology, dataDir, only: ['switches'] });
    switches = lab.components.find((c) => c.kind === 'switches') as LabSwitchesComponent;
    connector = new Ssh2Connector(new EnvAndFileSecretStore({}, lab.secretsFile), {
      commandTimeoutMs: 3_000,
      backoffInitialMs: 10,
    });
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
    overrides: Partial<Switch> = {},
    c = connector,
  ): SshSwitchDriver {
    const d = new SshSwitchDriver({ ...spec(vendor), ...overrides }, c, {
      commandTimeoutMs: 3_000,
    });
    drivers.push(d);
    return d;
  }

  describe.each(VENDORS)('%s', (vendor) => {
    const [accessPort, trunkPort] = LAB_PORTS[vendor] as [string, string];
    const view = (port: string) => switches.switchView.portState(`sw-${vendor}`, port);
    const running = (): string => switches.switch(`sw-${vendor}`).config.render();

    afterEach(() => switches.switch(`sw-${vendor}`).clearFaults());

    it('reads the ports the lab set up for the resident persona', async () => {
      const d = driverFor(vendor);
      expect(await d.readPort(accessPort)).toMatchObject({
        mode: 'access',
        accessVlan: 110,
        shutdown: false,
      });
      expect(await d.readPort(trunkPort)).toMatchObject({
        mode: 'trunk',
        trunkVlans: [200, 300],
        shutdown: false,
      });
    });

    it('sets an access VLAN, a trunk list, adds and removes one trunk VLAN, shuts and opens a port', async () => {
      const d = driverFor(vendor);
      const original = running();

      const access = await d.setAccessVlan(accessPort, 120);
      expect(access.changed).toBe(true);
      expect(view(accessPort)).toMatchObject({ mode: 'access', accessVlan: 120 });

      await d.setTrunkVlans(accessPort, [110, 120, 130]);
      expect(view(accessPort)).toMatchObject({ mode: 'trunk', trunkVlans: [110, 120, 130] });
      await d.addTrunkVlan(accessPort, 200);
      await d.removeTrunkVlan(accessPort, 120);
      expect(view(accessPort)).toMatchObject({ mode: 'trunk', trunkVlans: [110, 130, 200] });

      await d.shutdown(accessPort);
      expect(view(accessPort)?.shutdown).toBe(true);
      await d.noShutdown(accessPort);
      expect(view(accessPort)?.shutdown).toBe(false);

      const back = await d.configurePort(accessPort, access.before);
      expect(back.after).toEqual(access.before);
      expect(running()).toBe(original);
    });

    it('repeating a change sends no configuration', async () => {
      const d = driverFor(vendor);
      const lines = switches.switch(`sw-${vendor}`).stats.lines;
      const r = await d.setAccessVlan(accessPort, 110);
      expect(r.changed).toBe(false);
      // enable and its secret (a lab IOS/EOS login lands in user EXEC), a shell's setup, the show
      // lines: nothing else
      const { transport, showPort } = SWITCH_VENDORS[vendor];
      const shell =
        transport.kind === 'shell'
          ? transport.setup.length + (transport.privilege === undefined ? 0 : 2)
          : 0;
      expect(switches.switch(`sw-${vendor}`).stats.lines - lines).toBe(shell + showPort.length);
    });

    it('saves the configuration', async () => {
      const d = driverFor(vendor);
      await d.setAccessVlan(accessPort, 130);
      await d.saveConfig();
      expect(switches.switch(`sw-${vendor}`).startup).toBe(running());
      await d.setAccessVlan(accessPort, 110);
      await d.saveConfig();
    });

    it('a refused command is CommandRejectedError with the switch text, and leaves the port as it was', async () => {
      const d = driverFor(vendor);
      const before = running();
      switches.switch(`sw-${vendor}`).faults.refuseCommands = 1;
      const err = await d.setTrunkVlans(trunkPort, [200, 300, 130]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandRejectedError);
      expect((err as CommandRejectedError).switchText).toMatch(
        REFUSAL[vendor] ?? /% Invalid input detected/,
      );
      expect(running()).toBe(before);
      expect(await d.readPort(trunkPort)).toMatchObject({ trunkVlans: [200, 300] });
    });

    it('rejected credentials are a non-retryable SshAuthError after one attempt', async () => {
      const lab1 = switches.switch(`sw-${vendor}`);
      lab1.faults.rejectAuth = true;
      const before = lab1.stats.connections;
      const err = await driverFor(vendor)
        .readPort(accessPort)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshAuthError);
      expect((err as SshAuthError).retryable).toBe(false);
      expect(lab1.stats.connections - before).toBe(1);
    });

    it('a host key that does not match the pinned fingerprint refuses to connect', async () => {
      const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      const lab1 = switches.switch(`sw-${vendor}`);
      const sessions = lab1.stats.sessions;
      const err = await driverFor(vendor, { hostKeyFingerprint: wrong })
        .readPort(accessPort)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostKeyMismatchError);
      expect((err as HostKeyMismatchError).retryable).toBe(false);
      expect(lab1.stats.sessions).toBe(sessions);
    });

    it('a hanging switch times out', async () => {
      switches.switch(`sw-${vendor}`).faults.hang = true;
      const d = new SshSwitchDriver(spec(vendor), connector, { commandTimeoutMs: 300 });
      drivers.push(d);
      await expect(d.readPort(accessPort)).rejects.toBeInstanceOf(SshTimeoutError);
    });

    it('a dropped session fails the operation in flight; the next session works', async () => {
      const d = driverFor(vendor);
      switches.switch(`sw-${vendor}`).faults.dropSessions = 1;
      await expect(d.readPort(accessPort)).rejects.toBeInstanceOf(SshUnreachableError);
      expect(await d.readPort(accessPort)).toMatchObject({ accessVlan: 110 });
    });
  });

  it('junos: a VLAN the switch does not have is declared as vlan-<id> in the same commit; one it has is not', async () => {
    const lab1 = switches.switch('sw-junos');
    const d = driverFor('junos');
    await d.setAccessVlan('ge-0/0/1', 999);
    expect(lab1.config.vlans.get(999)).toBe('vlan-999');
    expect(lab1.config.render()).toContain('    vlan-999 {\n        vlan-id 999;\n    }');
    await d.setAccessVlan('ge-0/0/1', 120);
    expect(lab1.config.renderPort('ge-0/0/1')).toContain('members prod-db;');
    expect([...lab1.config.vlans.values()].filter((name) => name.endsWith('120'))).toEqual([]);
    await d.setAccessVlan('ge-0/0/1', 110);
  });

  it('faults can be injected through the lab control server', async () => {
    const url = `${lab.controlUrl}/lab/switches/sw-cisco-ios/faults`;
    const set = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refuseCommands: 2 }),
    });
    expect(set.status).toBe(200);
    expect(switches.switch('sw-cisco-ios').faults.refuseCommands).toBe(2);
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hang: 'yes' }),
    });
    expect(bad.status).toBe(400);
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clear: true }),
    });
    expect(switches.switch('sw-cisco-ios').faults.refuseCommands).toBe(0);
    const text = await (
      await fetch(`${lab.controlUrl}/lab/switches/sw-junos/running-config`)
    ).text();
    expect(text).toContain('ge-0/0/1 {');
  });
});
