import { ValidationError } from '../../common/errors';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'ethernet1/1/5';
const SHOW = `show running-configuration interface ${PORT}`;
const conf = (...body: string[]): string =>
  ['!', `interface ${PORT}`, ...body.map((l) => ` ${l}`)].join('\n');
const trunk = (list: string): string =>
  conf(
    'no shutdown',
    'switchport mode trunk',
    'switchport access vlan 1',
    `switchport trunk allowed vlan ${list}`,
  );

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('dell-os10'), rec) };
}

describe('dell-os10 command lists', () => {
  it('setAccessVlan: an unconfigured mode becomes explicit', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [
          conf('switchport access vlan 1'),
          conf('switchport mode access', 'switchport access vlan 110'),
        ],
      },
    });
    await sw.setAccessVlan(PORT, 110);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'interface vlan 110',
      'exit',
      `interface ${PORT}`,
      'switchport access vlan 110',
      'switchport mode access',
      'end',
      SHOW,
    ]);
  });

  it('setTrunkVlans: removes what goes, adds what comes (the allowed list is additive)', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [trunk('110,120'), trunk('120,130,140')] } });
    await sw.setTrunkVlans(PORT, [120, 130, 140]);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'interface vlan 130',
      'exit',
      'interface vlan 140',
      'exit',
      `interface ${PORT}`,
      'no switchport trunk allowed vlan 110',
      'switchport trunk allowed vlan 130,140',
      'end',
      SHOW,
    ]);
  });

  it('addTrunkVlan / removeTrunkVlan', async () => {
    const { rec, sw } = driver({
      answers: { [SHOW]: [trunk('110'), trunk('110,120'), trunk('110,120'), trunk('120')] },
    });
    await sw.addTrunkVlan(PORT, 120);
    await sw.removeTrunkVlan(PORT, 110);
    expect(rec.lines.filter((l) => l.includes('allowed'))).toEqual([
      'switchport trunk allowed vlan 120',
      'no switchport trunk allowed vlan 110',
    ]);
  });

  it('shutdown / noShutdown', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [
          trunk('110'),
          `${trunk('110')}\n shutdown`,
          `${trunk('110')}\n shutdown`,
          trunk('110'),
        ],
      },
    });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      `interface ${PORT}`,
      'shutdown',
      'end',
      SHOW,
      'terminal length 0',
      SHOW,
      'configure terminal',
      `interface ${PORT}`,
      'no shutdown',
      'end',
      SHOW,
    ]);
  });

  it('readPort and saveConfig', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [trunk('110,200-202')] } });
    expect(await sw.readPort(PORT)).toEqual({
      mode: 'trunk',
      accessVlan: 1,
      trunkVlans: [110, 200, 201, 202],
      shutdown: false,
    });
    await sw.saveConfig();
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'terminal length 0',
      'copy running-configuration startup-configuration',
    ]);
  });

  it('an empty trunk list cannot be said on OS10 and is refused before connecting', () => {
    const { rec, sw } = driver({});
    expect(() => sw.setTrunkVlans(PORT, [])).toThrow(ValidationError);
    expect(rec.connects).toBe(0);
  });

  it('"% Error:" is a rejection', async () => {
    const { sw } = driver({
      answers: {
        [SHOW]: [conf()],
        'switchport access vlan 110': ['% Error: vlan 110 does not exist'],
      },
    });
    await expect(sw.setAccessVlan(PORT, 110)).rejects.toBeInstanceOf(CommandRejectedError);
  });
});
