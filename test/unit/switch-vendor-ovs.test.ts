import { ValidationError } from '../../common/errors';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'vnet0';
const GET = `ovs-vsctl get port ${PORT} vlan_mode tag trunks _uuid -- --if-exists get mirror rs-shut-${PORT} output_port`;
const UUID = '86a047d9-f9ed-45fe-bc4a-a6b36bbb9ed2';
/** The port's columns, and while it is shut the shut mirror's output_port (the port itself). */
const port = (mode: string, tag: string, trunks: string, admin = 'up'): string =>
  `${mode}\n${tag}\n${trunks}\n${UUID}\n${admin === 'down' ? `${UUID}\n` : ''}`;

function driver(
  script: RecordingScript,
  execEnv: Record<string, string> = {},
): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('ovs', { bridge: 'br0' }), rec, { execEnv }) };
}

describe('ovs command lists', () => {
  it('setAccessVlan: one ovs-vsctl transaction', async () => {
    const { rec, sw } = driver({
      answers: { [GET]: [port('trunk', '[]', '[110, 120]'), port('access', '130', '[110, 120]')] },
    });
    await sw.setAccessVlan(PORT, 130);
    expect(rec.lines).toEqual([
      GET,
      `ovs-vsctl set port ${PORT} tag=130 -- set port ${PORT} vlan_mode=access`,
      GET,
    ]);
  });

  it('setTrunkVlans', async () => {
    const { rec, sw } = driver({
      answers: { [GET]: [port('access', '130', '[]'), port('trunk', '130', '[110, 120]')] },
    });
    await sw.setTrunkVlans(PORT, [120, 110]);
    expect(rec.lines[1]).toBe(
      `ovs-vsctl clear port ${PORT} trunks -- add port ${PORT} trunks 110 120 -- set port ${PORT} vlan_mode=trunk`,
    );
  });

  it('addTrunkVlan / removeTrunkVlan', async () => {
    const { rec, sw } = driver({
      answers: {
        [GET]: [
          port('trunk', '[]', '[110]'),
          port('trunk', '[]', '[110, 120]'),
          port('trunk', '[]', '[110, 120]'),
          port('trunk', '[]', '[120]'),
        ],
      },
    });
    await sw.addTrunkVlan(PORT, 120);
    await sw.removeTrunkVlan(PORT, 110);
    expect(rec.lines).toEqual([
      GET,
      `ovs-vsctl add port ${PORT} trunks 120`,
      GET,
      GET,
      `ovs-vsctl remove port ${PORT} trunks 110`,
      GET,
    ]);
  });

  it('shutdown / noShutdown: an empty mirror on the bridge whose output is the port, in OVSDB', async () => {
    const { rec, sw } = driver({
      answers: {
        [GET]: [
          port('access', '110', '[]', 'up'),
          port('access', '110', '[]', 'down'),
          port('access', '110', '[]', 'down'),
          port('access', '110', '[]', 'up'),
        ],
      },
    });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines.filter((l) => l !== GET)).toEqual([
      `ovs-vsctl --id=@p get port ${PORT} -- --id=@m create mirror name=rs-shut-${PORT} output_port=@p -- add bridge br0 mirrors @m`,
      `ovs-vsctl --id=@m get mirror rs-shut-${PORT} -- remove bridge br0 mirrors @m`,
    ]);
  });

  it('readPort; saveConfig sends nothing (OVSDB is durable)', async () => {
    const { rec, sw } = driver({ answers: { [GET]: [port('[]', '200', '[]', 'down')] } });
    expect(await sw.readPort(PORT)).toEqual({
      mode: 'access',
      defaultMode: true,
      accessVlan: 200,
      shutdown: true,
    });
    await sw.saveConfig();
    expect(rec.lines).toEqual([GET]);
  });

  it('runs every command with the given environment', async () => {
    const { rec, sw } = driver(
      { answers: { [`env OVS_RUNDIR=/tmp/ovs ${GET}`]: [port('access', '110', '[]')] } },
      { OVS_RUNDIR: '/tmp/ovs' },
    );
    await sw.readPort(PORT);
    expect(rec.lines).toEqual([`env OVS_RUNDIR=/tmp/ovs ${GET}`]);
  });

  it('refuses an empty trunk list (in OVS it would mean every VLAN) and a missing bridge', () => {
    const { rec, sw } = driver({});
    expect(() => sw.setTrunkVlans(PORT, [])).toThrow(ValidationError);
    expect(() => new SshSwitchDriver(switchOf('ovs'), rec)).toThrow(/bridge/);
    expect(rec.connects).toBe(0);
  });

  it('a mirror of that name whose output is another port is not a shut port; garbage is not understood', async () => {
    const other = `access\n110\n[]\n${UUID}\n00000000-f9ed-45fe-bc4a-a6b36bbb9ed2\n`;
    expect(await driver({ answers: { [GET]: [other] } }).sw.readPort(PORT)).toEqual({
      mode: 'access',
      accessVlan: 110,
      shutdown: false,
    });
    await expect(
      driver({ answers: { [GET]: ['access\n110\n[]\nup\n'] } }).sw.readPort(PORT),
    ).rejects.toThrow(/cannot read/);
  });

  it("an unknown port is rejected with ovs-vsctl's text", async () => {
    const { sw } = driver({
      answers: { [GET]: ['ovs-vsctl: no row "vnet0" in table Port'] },
      exitCodes: { [GET]: 1 },
    });
    const err = await sw.readPort(PORT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect((err as CommandRejectedError).switchText).toContain('no row');
  });
});
