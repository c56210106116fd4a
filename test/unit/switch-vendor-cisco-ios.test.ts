import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import {
  CommandRejectedError,
  PrivilegeRefusedError,
  VerificationMismatchError,
} from '../../drivers/switch/switch-errors';
import {
  ENABLE_SECRET_LINE,
  RecordingConnector,
  type RecordingScript,
} from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'GigabitEthernet1/0/1';
const SHOW = `show running-config interface ${PORT}`;
const conf = (...body: string[]): string =>
  [
    'Building configuration...',
    '',
    'Current configuration : 120 bytes',
    '!',
    `interface ${PORT}`,
    ...body.map((l) => ` ${l}`),
    'end',
  ].join('\n');
const ACCESS_110 = conf('switchport access vlan 110', 'switchport mode access');

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('cisco-ios'), rec) };
}

describe('cisco-ios command lists', () => {
  it('a login at `>` enters privileged EXEC with the enable secret before anything else', async () => {
    const { rec, sw } = driver({
      loginPrompt: 'sw>',
      prompts: { enable: 'Password:', [ENABLE_SECRET_LINE]: 'sw#' },
      answers: { [SHOW]: [ACCESS_110] },
    });
    await sw.readPort(PORT);
    expect(rec.lines).toEqual(['enable', ENABLE_SECRET_LINE, 'terminal length 0', SHOW]);
  });

  it('a login at `#` (privilege 15) sends no enable', async () => {
    const { rec, sw } = driver({ loginPrompt: 'sw#', answers: { [SHOW]: [ACCESS_110] } });
    await sw.readPort(PORT);
    expect(rec.lines).toEqual(['terminal length 0', SHOW]);
  });

  it('a secret asked for again is refused: empty answers until the switch says so, then PrivilegeRefusedError', async () => {
    const { rec, sw } = driver({
      loginPrompt: 'sw>',
      prompts: { enable: 'Password:', [ENABLE_SECRET_LINE]: 'Password:', '': 'Password:' },
      answers: { '': ['', '', '% Bad secrets'] },
    });
    const err = await sw.readPort(PORT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrivilegeRefusedError);
    expect(rec.lines).toEqual(['enable', ENABLE_SECRET_LINE, '', '', '']);
  });

  it('IOS\'s own "Command rejected: …" answer is a rejection', async () => {
    const { sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110],
        'switchport access vlan 120': ['Command rejected: Bad VLAN list'],
      },
    });
    await expect(sw.setAccessVlan(PORT, 120)).rejects.toBeInstanceOf(CommandRejectedError);
  });

  it('setAccessVlan: declares the VLAN, sets it in the interface, reads back', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110, conf('switchport access vlan 120', 'switchport mode access')],
      },
    });
    const r = await sw.setAccessVlan(PORT, 120);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'vlan 120',
      'exit',
      `interface ${PORT}`,
      'switchport access vlan 120',
      'end',
      SHOW,
    ]);
    expect(r).toEqual({
      switchId: 'sw-cisco-ios',
      port: PORT,
      changed: true,
      before: { mode: 'access', accessVlan: 110, shutdown: false },
      after: { mode: 'access', accessVlan: 120, shutdown: false },
    });
  });

  it('setTrunkVlans: allowed list before the mode, ranges compressed', async () => {
    const after = conf(
      'switchport access vlan 110',
      'switchport trunk allowed vlan 110,120-122',
      'switchport mode trunk',
    );
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110, after] } });
    await sw.setTrunkVlans(PORT, [122, 110, 121, 120]);
    expect(rec.lines).toEqual([
      'terminal length 0',
      SHOW,
      'configure terminal',
      'vlan 120',
      'exit',
      'vlan 121',
      'exit',
      'vlan 122',
      'exit',
      `interface ${PORT}`,
      'switchport trunk allowed vlan 110,120-122',
      'switchport mode trunk',
      'end',
      SHOW,
    ]);
  });

  it('addTrunkVlan and removeTrunkVlan: one incremental line each', async () => {
    const trunk = (list: string): string =>
      conf(`switchport trunk allowed vlan ${list}`, 'switchport mode trunk');
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [trunk('110,120'), trunk('110,120,130'), trunk('110,120,130'), trunk('110,130')],
      },
    });
    await sw.addTrunkVlan(PORT, 130);
    await sw.removeTrunkVlan(PORT, 120);
    const body = rec.lines.filter((l) => l.startsWith('switchport'));
    expect(body).toEqual([
      'switchport trunk allowed vlan add 130',
      'switchport trunk allowed vlan remove 120',
    ]);
    expect(rec.lines).toContain('vlan 130');
  });

  it('shutdown and noShutdown', async () => {
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
    expect(rec.connects).toBe(2);
  });

  it('readPort: only the show command', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [conf('switchport trunk allowed vlan none', 'switchport mode trunk', 'shutdown')],
      },
    });
    expect(await sw.readPort(PORT)).toEqual({ mode: 'trunk', trunkVlans: [], shutdown: true });
    expect(rec.lines).toEqual(['terminal length 0', SHOW]);
  });

  it('saveConfig: write memory in exec mode', async () => {
    const { rec, sw } = driver({});
    await sw.saveConfig();
    expect(rec.lines).toEqual(['terminal length 0', 'write memory']);
  });

  it('configurePort back to a prior state clears what was not configured', async () => {
    const trunk = conf(
      'switchport access vlan 120',
      'switchport trunk allowed vlan 110,120',
      'switchport mode trunk',
    );
    const { rec, sw } = driver({ answers: { [SHOW]: [trunk, conf()] } });
    const r = await sw.configurePort(PORT, { mode: 'access', defaultMode: true, shutdown: false });
    expect(rec.lines.slice(3, -1)).toEqual([
      `interface ${PORT}`,
      'no switchport access vlan',
      'no switchport trunk allowed vlan',
      'no switchport mode',
      'end',
    ]);
    expect(r.after).toEqual({ mode: 'access', defaultMode: true, shutdown: false });
  });

  it('an unconfigured mode is read as the default and made explicit by a change', async () => {
    const { rec, sw } = driver({
      answers: { [SHOW]: [conf(), conf('switchport access vlan 110', 'switchport mode access')] },
    });
    const r = await sw.setAccessVlan(PORT, 110);
    expect(r.before).toEqual({ mode: 'access', defaultMode: true, shutdown: false });
    expect(rec.lines.slice(3, -1)).toEqual([
      'vlan 110',
      'exit',
      `interface ${PORT}`,
      'switchport access vlan 110',
      'switchport mode access',
      'end',
    ]);
  });

  it('sends no configuration when the port already is as asked', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110] } });
    const r = await sw.setAccessVlan(PORT, 110);
    expect(r.changed).toBe(false);
    expect(rec.lines).toEqual(['terminal length 0', SHOW]);
  });

  it('a rejected line leaves config mode and reports the switch text', async () => {
    const invalid = "                    ^\n% Invalid input detected at '^' marker.";
    const { rec, sw } = driver({
      answers: { [SHOW]: [ACCESS_110], 'switchport access vlan 120': [invalid] },
    });
    const err = await sw.setAccessVlan(PORT, 120).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect((err as CommandRejectedError).switchText).toContain('% Invalid input detected');
    expect((err as CommandRejectedError).retryable).toBe(false);
    expect(rec.lines.slice(-2)).toEqual(['switchport access vlan 120', 'end']);
  });

  it('a read-back that differs is a VerificationMismatchError', async () => {
    const { sw } = driver({ answers: { [SHOW]: [ACCESS_110, ACCESS_110] } });
    await expect(sw.setAccessVlan(PORT, 120)).rejects.toBeInstanceOf(VerificationMismatchError);
  });
});
