import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { switchSchema } from '../../inventory/topology-schema';
import { startOvs, type RealOvs } from '../support/ovs';
import { startSshd, type RealSshd } from '../support/sshd';

/** Real Open vSwitch (userspace datapath) behind a real OpenSSH sshd, driven by the ovs vendor driver. */
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
    const connector = new Ssh2Connector(new StaticSecretStore({ 'ovs-host': { username: sshd.username, privateKey: sshd.privateKey } }), { commandTimeoutMs: 15_000 });
    driver = new SshSwitchDriver(sw, connector, { execEnv: { OVS_RUNDIR: ovs.rundir }, commandTimeoutMs: 15_000 });
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
    await sshd?.stop();
    await ovs?.stop();
  });

  it('reads a fresh port: no vlan_mode, no tag, no trunks is a trunk of every VLAN', async () => {
    expect(await driver.readPort(p1)).toEqual({ mode: 'trunk', defaultMode: true, shutdown: true });
  });

  it('sets an access VLAN; OVSDB holds it', async () => {
    const r = await driver.setAccessVlan(p1, 110);
    expect(r.after).toEqual({ mode: 'access', accessVlan: 110, shutdown: true });
    expect(await ovs.vsctl('get', 'port', p1, 'vlan_mode', 'tag')).toBe('access\n110');
  });

  it('sets a trunk list, adds and removes one VLAN; OVSDB holds it', async () => {
    await driver.setTrunkVlans(p2, [200, 110, 120]);
    expect(await ovs.vsctl('get', 'port', p2, 'vlan_mode', 'trunks')).toBe('trunk\n[110, 120, 200]');
    await driver.addTrunkVlan(p2, 300);
    await driver.removeTrunkVlan(p2, 110);
    expect(await ovs.vsctl('get', 'port', p2, 'trunks')).toBe('[120, 200, 300]');
    expect(await driver.readPort(p2)).toEqual({ mode: 'trunk', trunkVlans: [120, 200, 300], shutdown: true });
  });

  it('brings a port up and down through the bridge (OpenFlow port-down)', async () => {
    await driver.noShutdown(p1);
    expect(await ovs.vsctl('get', 'interface', p1, 'admin_state')).toBe('up');
    await driver.shutdown(p1);
    expect(await ovs.vsctl('get', 'interface', p1, 'admin_state')).toBe('down');
  });

  it('restores a port exactly from the state returned by a change', async () => {
    const before = await driver.readPort(p2);
    // configurePort makes the port exactly this: no trunk list given, so `trunks` is cleared.
    const change = await driver.configurePort(p2, { mode: 'access', accessVlan: 130, shutdown: false });
    expect(change.before).toEqual(before);
    expect(await ovs.vsctl('get', 'port', p2, 'vlan_mode', 'tag', 'trunks')).toBe('access\n130\n[]');
    expect(await ovs.vsctl('get', 'interface', p2, 'admin_state')).toBe('up');
    const undo = await driver.configurePort(p2, change.before);
    expect(undo.after).toEqual(before);
    expect(await ovs.vsctl('get', 'port', p2, 'vlan_mode', 'tag', 'trunks')).toBe('trunk\n[]\n[120, 200, 300]');
    expect(await ovs.vsctl('get', 'interface', p2, 'admin_state')).toBe('down');
  });

  it('puts a fresh port back to no vlan_mode at all', async () => {
    const fresh = await driver.readPort(p1);
    await driver.configurePort(p1, { mode: 'trunk', defaultMode: true, shutdown: true });
    expect(await ovs.vsctl('get', 'port', p1, 'vlan_mode', 'tag', 'trunks')).toBe('[]\n[]\n[]');
    expect(await driver.readPort(p1)).toEqual({ mode: 'trunk', defaultMode: true, shutdown: true });
    expect(fresh).toEqual({ mode: 'access', accessVlan: 110, shutdown: true });
  });

  it('a port the bridge does not have is rejected with ovs-vsctl\'s own text', async () => {
    const err = await driver.setAccessVlan('nosuchport', 110).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect((err as CommandRejectedError).switchText).toContain('no row "nosuchport" in table Port');
  });
});
