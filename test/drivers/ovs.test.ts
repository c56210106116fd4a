import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { switchSchema } from '../../inventory/topology-schema';
import { startOvs, type RealOvs } from '../support/ovs';
import { startSshd, type RealSshd } from '../support/sshd';

/**
 * Real Open vSwitch (userspace datapath) behind a real OpenSSH sshd, driven by the ovs vendor
 * driver.
 */
jest.setTimeout(30_000);

describe('ovs vendor driver against a real Open vSwitch over a real sshd', () => {
  let ovs: RealOvs;
  let sshd: RealSshd;
  let driver: SshSwitchDriver;
  let p1: string;
  let p2: string;

  beforeAll(async () => {
    ovs = await startOvs();
    sshd = await startSshd();
    [p1, p2] = ovs.ports;
    const sw = switchSchema.parse({
      id: 'ovs-1',
      vendor: 'ovs',
      address: '127.0.0.1',
      port: sshd.port,
      credential: 'ovs-host',
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      bridge: ovs.bridge,
    });
    const connector = new Ssh2Connector(
      new StaticSecretStore({
        'ovs-host': { username: sshd.username, privateKey: sshd.privateKey },
      }),
      { commandTimeoutMs: 15_000 },
    );
    driver = new SshSwitchDriver(sw, connector, {
      execEnv: { OVS_RUNDIR: ovs.rundir },
      commandTimeoutMs: 15_000,
    });
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
    await sshd?.stop();
    await ovs?.stop();
  });

  it('reads a fresh port: no vlan_mode, no tag, no trunks is a trunk of every VLAN', async () => {
    expect(await driver.readPort(p1)).toEqual({
      mode: 'trunk',
      defaultMode: true,
      shutdown: false,
    });
  });

  it('sets an access VLAN; OVSDB holds it', async () => {
    const r = await driver.setAccessVlan(p1, 110);
    expect(r.after).toEqual({ mode: 'access', accessVlan: 110, shutdown: false });
    expect(await ovs.vsctl('get', 'port', p1, 'vlan_mode', 'tag')).toBe('access\n110');
  });

  it('sets a trunk list, adds and removes one VLAN; OVSDB holds it', async () => {
    await driver.setTrunkVlans(p2, [200, 110, 120]);
    expect(await ovs.vsctl('get', 'port', p2, 'vlan_mode', 'trunks')).toBe(
      'trunk\n[110, 120, 200]',
    );
    await driver.addTrunkVlan(p2, 300);
    await driver.removeTrunkVlan(p2, 110);
    expect(await ovs.vsctl('get', 'port', p2, 'trunks')).toBe('[120, 200, 300]');
    expect(await driver.readPort(p2)).toEqual({
      mode: 'trunk',
      trunkVlans: [120, 200, 300],
      shutdown: false,
    });
  });

  const shutMirror = (port: string): Promise<string> =>
    ovs.vsctl('--if-exists', 'get', 'mirror', `rs-shut-${port}`, 'output_port');

  it('shuts a port as the output of an empty mirror on its bridge, and opens it again', async () => {
    await driver.shutdown(p1);
    expect(await shutMirror(p1)).toBe(await ovs.vsctl('get', 'port', p1, '_uuid'));
    expect(await ovs.vsctl('get', 'bridge', ovs.bridge, 'mirrors')).not.toBe('[]');
    await driver.noShutdown(p1);
    expect(await shutMirror(p1)).toBe('');
    expect(await ovs.vsctl('get', 'bridge', ovs.bridge, 'mirrors')).toBe('[]');
    await driver.shutdown(p2);
  });

  it('restores a port exactly from the state returned by a change', async () => {
    const before = await driver.readPort(p2);
    // configurePort makes the port exactly this: no trunk list given, so `trunks` is cleared.
    const change = await driver.configurePort(p2, {
      mode: 'access',
      accessVlan: 130,
      shutdown: false,
    });
    expect(change.before).toEqual(before);
    expect(await ovs.vsctl('get', 'port', p2, 'vlan_mode', 'tag', 'trunks')).toBe(
      'access\n130\n[]',
    );
    expect(await shutMirror(p2)).toBe('');
    const undo = await driver.configurePort(p2, change.before);
    expect(undo.after).toEqual(before);
    expect(await ovs.vsctl('get', 'port', p2, 'vlan_mode', 'tag', 'trunks')).toBe(
      'trunk\n[]\n[120, 200, 300]',
    );
    expect(await shutMirror(p2)).not.toBe('');
  });

  it('puts a fresh port back to no vlan_mode at all', async () => {
    const fresh = await driver.readPort(p1);
    await driver.configurePort(p1, { mode: 'trunk', defaultMode: true, shutdown: false });
    expect(await ovs.vsctl('get', 'port', p1, 'vlan_mode', 'tag', 'trunks')).toBe('[]\n[]\n[]');
    expect(await driver.readPort(p1)).toEqual({
      mode: 'trunk',
      defaultMode: true,
      shutdown: false,
    });
    expect(fresh).toEqual({ mode: 'access', accessVlan: 110, shutdown: false });
  });

  /**
   * What the datapath does with a broadcast frame that enters at `port`: its output ports, or []
   * for a drop.
   */
  async function floodFrom(port: string): Promise<string[]> {
    const names = new Map<string, string>();
    for (const m of (await ovs.appctl('dpif/show')).matchAll(/^\s+(\S+) \d+\/(\d+):/gm))
      names.set(m[2] as string, m[1] as string);
    const trace = await ovs.appctl(
      'ofproto/trace',
      ovs.bridge,
      `in_port=${port},dl_dst=ff:ff:ff:ff:ff:ff`,
    );
    const actions = /^Datapath actions: (.*)$/m.exec(trace)?.[1];
    if (actions === undefined) throw new Error(`no datapath actions in: ${trace}`);
    return actions
      .split(',')
      .filter((n) => /^\d+$/.test(n))
      .map((n) => names.get(n) ?? n)
      .sort();
  }

  it('a shut port stays shut when ovs-vswitchd restarts: it neither receives nor is flooded to', async () => {
    await driver.configurePort(p1, { mode: 'access', accessVlan: 110, shutdown: false });
    await driver.configurePort(p2, { mode: 'access', accessVlan: 110, shutdown: false });
    expect(await floodFrom(p2)).toContain(p1);
    await driver.shutdown(p1);
    expect(await floodFrom(p1)).toEqual([]);
    expect(await floodFrom(p2)).not.toContain(p1);

    await ovs.restartSwitchd();
    expect(await floodFrom(p1)).toEqual([]);
    expect(await floodFrom(p2)).not.toContain(p1);
    expect(await driver.readPort(p1)).toEqual({ mode: 'access', accessVlan: 110, shutdown: true });

    await driver.noShutdown(p1);
    expect(await floodFrom(p1)).toContain(p2);
    expect(await floodFrom(p2)).toContain(p1);
  });

  it("a port the bridge does not have is rejected with ovs-vsctl's own text", async () => {
    const err = await driver.setAccessVlan('nosuchport', 110).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect((err as CommandRejectedError).switchText).toContain('no row "nosuchport" in table Port');
  });
});
