import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'Ethernet7';
const SHOW = `show running-config interfaces ${PORT}`;
const conf = (...body: string[]): string =>
  [`interface ${PORT}`, ...body.map((l) => `   ${l}`)].join('\n');
const ACCESS_110 = conf('switchport access vlan 110', 'switchport mode access');
const trunk = (list: string): string =>
  conf(`switchport trunk allowed vlan ${list}`, 'switchport mode trunk');

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('arista-eos'), rec) };
}

describe('arista-eos command lists', () => {
  it('setAccessVlan', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110, conf('switchport access vlan 130', 'switchport mode access')],
      },
    });
    await sw.setAccessVlan(PORT, 130);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'vlan 130',
      'exit',
      `interface ${PORT}`,
      'switchport access vlan 130',
      'end',
      SHOW,
    ]);
  });

  it('setTrunkVlans', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [
          ACCESS_110,
          conf(
            'switchport access vlan 110',
            'switchport trunk allowed vlan 110,200',
            'switchport mode trunk',
          ),
        ],
      },
    });
    await sw.setTrunkVlans(PORT, [110, 200]);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'vlan 200',
      'exit',
      `interface ${PORT}`,
      'switchport trunk allowed vlan 110,200',
      'switchport mode trunk',
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
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'vlan 120',
      'exit',
      `interface ${PORT}`,
      'switchport trunk allowed vlan add 120',
      'end',
      SHOW,
      'terminal length 0',
      SHOW,
      'configure terminal',
      `interface ${PORT}`,
      'switchport trunk allowed vlan remove 110',
      'end',
      SHOW,
    ]);
  });

  it('shutdown / noShutdown', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [
          ACCESS_110,
          conf('switchport access vlan 110', 'switchport mode access', 'shutdown'),
          conf('switchport access vlan 110', 'switchport mode access', 'shutdown'),
          ACCESS_110,
        ],
      },
    });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines.filter((l) => /shutdown/.test(l))).toEqual(['shutdown', 'no shutdown']);
  });

  it('readPort and saveConfig', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [trunk('100-103')] } });
    expect(await sw.readPort(PORT)).toEqual({
      mode: 'trunk',
      trunkVlans: [100, 101, 102, 103],
      shutdown: false,
    });
    await sw.saveConfig();
    expect(rec.lines).toEqual(['terminal length 0', SHOW, 'terminal length 0', 'write memory']);
  });

  it('an EOS "% Invalid input" is a CommandRejectedError', async () => {
    const { sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110],
        'switchport access vlan 130': ["% Invalid input (at token 3: '130')"],
      },
    });
    await expect(sw.setAccessVlan(PORT, 130)).rejects.toBeInstanceOf(CommandRejectedError);
  });
});
