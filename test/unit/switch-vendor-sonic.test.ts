import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'Ethernet8';
const BRIEF = 'show vlan brief';
const STATUS = `show interfaces status ${PORT}`;
const brief = (members: Array<[number, string]>): string => {
  const rows = members.map(
    ([vlan, tag]) =>
      `| ${String(vlan).padStart(9)} |              | ${PORT.padEnd(10)} | ${tag.padEnd(14)} | disabled    |                       |`,
  );
  return [
    '+-----------+--------------+------------+----------------+-------------+-----------------------+',
    '|   VLAN ID | IP Address   | Ports      | Port Tagging   | Proxy ARP   | DHCP Helper Address   |',
    '+===========+==============+============+================+=============+=======================+',
    ...rows,
    '|       999 |              | Ethernet0  | untagged       | disabled    |                       |',
    '+-----------+--------------+------------+----------------+-------------+-----------------------+',
  ].join('\n');
};
const status = (admin: 'up' | 'down'): string =>
  [
    '  Interface            Lanes    Speed    MTU    FEC    Alias    Vlan    Oper    Admin             Type    Asym PFC',
    '-----------  ---------------  -------  -----  -----  -------  ------  ------  -------  ---------------  ----------',
    `  ${PORT}      9,10,11,12      40G   9100    N/A     etp3   trunk      up    ${admin}  QSFP28 or later         N/A`,
  ].join('\n');

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('sonic'), rec) };
}

describe('sonic command lists', () => {
  it('setAccessVlan: add the VLAN (existing is fine), leave the old one, join untagged', async () => {
    const { rec, sw } = driver({
      answers: {
        [BRIEF]: [brief([[110, 'untagged']]), brief([[120, 'untagged']])],
        [STATUS]: [status('up')],
        'sudo config vlan add 120': ['Error: Vlan120 already exists'],
      },
      exitCodes: { 'sudo config vlan add 120': 2 },
    });
    await sw.setAccessVlan(PORT, 120);
    expect(rec.lines).toEqual([
      BRIEF,
      STATUS,
      'sudo config vlan add 120',
      `sudo config vlan member del 110 ${PORT}`,
      `sudo config vlan member add -u 120 ${PORT}`,
      BRIEF,
      STATUS,
    ]);
  });

  it('setTrunkVlans: one membership per VLAN', async () => {
    const { rec, sw } = driver({
      answers: {
        [BRIEF]: [
          brief([[110, 'untagged']]),
          brief([
            [110, 'tagged'],
            [120, 'tagged'],
          ]),
        ],
        [STATUS]: [status('up')],
      },
    });
    await sw.setTrunkVlans(PORT, [110, 120]);
    expect(rec.lines).toEqual([
      BRIEF,
      STATUS,
      'sudo config vlan add 120',
      `sudo config vlan member del 110 ${PORT}`,
      `sudo config vlan member add 110 ${PORT}`,
      `sudo config vlan member add 120 ${PORT}`,
      BRIEF,
      STATUS,
    ]);
  });

  it('addTrunkVlan / removeTrunkVlan', async () => {
    const { rec, sw } = driver({
      answers: {
        [BRIEF]: [
          brief([[110, 'tagged']]),
          brief([
            [110, 'tagged'],
            [130, 'tagged'],
          ]),
          brief([
            [110, 'tagged'],
            [130, 'tagged'],
          ]),
          brief([[130, 'tagged']]),
        ],
        [STATUS]: [status('up')],
      },
    });
    await sw.addTrunkVlan(PORT, 130);
    await sw.removeTrunkVlan(PORT, 110);
    expect(rec.lines).toEqual([
      BRIEF,
      STATUS,
      'sudo config vlan add 130',
      `sudo config vlan member add 130 ${PORT}`,
      BRIEF,
      STATUS,
      BRIEF,
      STATUS,
      `sudo config vlan member del 110 ${PORT}`,
      BRIEF,
      STATUS,
    ]);
  });

  it('shutdown / noShutdown', async () => {
    const { rec, sw } = driver({
      answers: {
        [BRIEF]: [brief([[110, 'untagged']])],
        [STATUS]: [status('up'), status('down'), status('down'), status('up')],
      },
    });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines.filter((l) => l.startsWith('sudo'))).toEqual([
      `sudo config interface shutdown ${PORT}`,
      `sudo config interface startup ${PORT}`,
    ]);
  });

  it('readPort and saveConfig', async () => {
    const { rec, sw } = driver({
      answers: {
        [BRIEF]: [
          brief([
            [110, 'tagged'],
            [200, 'tagged'],
          ]),
        ],
        [STATUS]: [status('down')],
      },
    });
    expect(await sw.readPort(PORT)).toEqual({
      mode: 'trunk',
      trunkVlans: [110, 200],
      shutdown: true,
    });
    await sw.saveConfig();
    expect(rec.lines).toEqual([BRIEF, STATUS, 'sudo config save -y']);
  });

  it('a non-zero exit is a rejection with the switch text', async () => {
    const line = `sudo config vlan member add -u 120 ${PORT}`;
    const { sw } = driver({
      answers: {
        [BRIEF]: [brief([])],
        [STATUS]: [status('up')],
        [line]: ['Error: Ethernet8 is in routed mode'],
      },
      exitCodes: { [line]: 2 },
    });
    const err = await sw.setAccessVlan(PORT, 120).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect((err as CommandRejectedError).switchText).toBe('Error: Ethernet8 is in routed mode');
  });
});
