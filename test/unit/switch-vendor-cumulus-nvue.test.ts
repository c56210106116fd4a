import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'swp3';
const SHOW = `nv show interface ${PORT} -o json`;
const D = `interface ${PORT} bridge domain br_default`;
const json = (domain: Record<string, unknown>, state = 'up'): string =>
  JSON.stringify({ link: { state: { [state]: {} } }, bridge: { domain: { br_default: domain } } });
const ACCESS_110 = json({ access: 110 });

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('cumulus-nvue'), rec) };
}

describe('cumulus-nvue command lists', () => {
  it('setAccessVlan: nv set lines, then apply', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110, json({ access: 120 })] } });
    await sw.setAccessVlan(PORT, 120);
    expect(rec.lines).toEqual([
      SHOW,
      'nv set bridge domain br_default vlan 120',
      `nv unset ${D} vlan`,
      `nv set ${D} access 120`,
      'nv config apply -y',
      SHOW,
    ]);
  });

  it('setTrunkVlans', async () => {
    const { rec, sw } = driver({
      answers: { [SHOW]: [ACCESS_110, json({ vlan: { '110': {}, '120-122': {} } })] },
    });
    await sw.setTrunkVlans(PORT, [110, 120, 121, 122]);
    expect(rec.lines).toEqual([
      SHOW,
      'nv set bridge domain br_default vlan 120',
      'nv set bridge domain br_default vlan 121',
      'nv set bridge domain br_default vlan 122',
      `nv unset ${D} access`,
      `nv unset ${D} vlan`,
      `nv set ${D} vlan 110,120-122`,
      'nv config apply -y',
      SHOW,
    ]);
  });

  it('addTrunkVlan / removeTrunkVlan', async () => {
    const t = (...v: number[]): string =>
      json({ vlan: Object.fromEntries(v.map((x) => [String(x), {}])) });
    const { rec, sw } = driver({ answers: { [SHOW]: [t(110), t(110, 120), t(110, 120), t(120)] } });
    await sw.addTrunkVlan(PORT, 120);
    await sw.removeTrunkVlan(PORT, 110);
    expect(rec.lines).toEqual([
      SHOW,
      'nv set bridge domain br_default vlan 120',
      `nv set ${D} vlan 120`,
      'nv config apply -y',
      SHOW,
      SHOW,
      `nv unset ${D} vlan 110`,
      'nv config apply -y',
      SHOW,
    ]);
  });

  it('shutdown / noShutdown', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [
          ACCESS_110,
          json({ access: 110 }, 'down'),
          json({ access: 110 }, 'down'),
          ACCESS_110,
        ],
      },
    });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines).toEqual([
      SHOW,
      `nv set interface ${PORT} link state down`,
      'nv config apply -y',
      SHOW,
      SHOW,
      `nv set interface ${PORT} link state up`,
      'nv config apply -y',
      SHOW,
    ]);
  });

  it('readPort and saveConfig', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [json({ access: 300 }, 'down')] } });
    expect(await sw.readPort(PORT)).toEqual({ mode: 'access', accessVlan: 300, shutdown: true });
    await sw.saveConfig();
    expect(rec.lines).toEqual([SHOW, 'nv config save']);
  });

  it('a failing nv set detaches the pending revision', async () => {
    const { rec, sw } = driver({
      answers: { [SHOW]: [ACCESS_110], [`nv set ${D} access 120`]: ['Error: Invalid value'] },
      exitCodes: { [`nv set ${D} access 120`]: 1 },
    });
    await expect(sw.setAccessVlan(PORT, 120)).rejects.toBeInstanceOf(CommandRejectedError);
    expect(rec.lines.slice(-2)).toEqual([`nv set ${D} access 120`, 'nv config detach']);
  });
});
