import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const PORT = 'ge-0/0/1';
const SHOW = `show configuration interfaces ${PORT}`;
const ES = `interfaces ${PORT} unit 0 family ethernet-switching`;
const conf = (mode: 'access' | 'trunk', members: string, disabled = false): string =>
  [
    ...(disabled ? ['disable;'] : []),
    'unit 0 {',
    '    family ethernet-switching {',
    `        interface-mode ${mode};`,
    '        vlan {',
    `            members ${members};`,
    '        }',
    '    }',
    '}',
  ].join('\n');
const ACCESS_110 = conf('access', '110');

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector(script);
  return { rec, sw: new SshSwitchDriver(switchOf('junos'), rec) };
}

describe('junos command lists', () => {
  it('setAccessVlan: candidate, commit, exit', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110, conf('access', '120')] } });
    await sw.setAccessVlan(PORT, 120);
    expect(rec.lines).toEqual([
      'set cli screen-length 0', SHOW, 'configure',
      `delete ${ES} vlan`, `set ${ES} interface-mode access`, `set ${ES} vlan members 120`,
      'commit', 'exit', SHOW,
    ]);
  });

  it('setTrunkVlans', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110, conf('trunk', '[ 110 120 130 ]')] } });
    await sw.setTrunkVlans(PORT, [130, 110, 120]);
    expect(rec.lines.slice(2, -1)).toEqual([
      'configure',
      `delete ${ES} vlan`, `set ${ES} interface-mode trunk`, `set ${ES} vlan members [ 110 120 130 ]`, 'commit', 'exit',
    ]);
  });

  it('addTrunkVlan / removeTrunkVlan', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [conf('trunk', '110'), conf('trunk', '[ 110 120 ]'), conf('trunk', '[ 110 120 ]'), conf('trunk', '120')] } });
    await sw.addTrunkVlan(PORT, 120);
    await sw.removeTrunkVlan(PORT, 110);
    expect(rec.lines).toEqual([
      'set cli screen-length 0', SHOW, 'configure', `set ${ES} vlan members 120`, 'commit', 'exit', SHOW,
      'set cli screen-length 0', SHOW, 'configure', `delete ${ES} vlan members 110`, 'commit', 'exit', SHOW,
    ]);
  });

  it('shutdown / noShutdown', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110, conf('access', '110', true), conf('access', '110', true), ACCESS_110] } });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines.filter((l) => l.includes('disable'))).toEqual([`set interfaces ${PORT} disable`, `delete interfaces ${PORT} disable`]);
  });

  it('readPort; saveConfig sends nothing (commit persists)', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [conf('trunk', '[ 110 200 ]', true)] } });
    expect(await sw.readPort(PORT)).toEqual({ mode: 'trunk', trunkVlans: [110, 200], shutdown: true });
    await sw.saveConfig();
    expect(rec.lines).toEqual(['set cli screen-length 0', SHOW, 'set cli screen-length 0']);
  });

  it('a failed commit is rolled back before leaving configuration mode', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110], commit: ['error: vlan-id 120 is not defined\nerror: configuration check-out failed'] } });
    const err = await sw.setAccessVlan(PORT, 120).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect(rec.lines.slice(-3)).toEqual(['commit', 'rollback', 'exit']);
  });

  it('a syntax error is rolled back too', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110], [`set ${ES} vlan members 120`]: ['\n                                                       ^\nsyntax error.'] } });
    await expect(sw.setAccessVlan(PORT, 120)).rejects.toBeInstanceOf(CommandRejectedError);
    expect(rec.lines.slice(-3)).toEqual([`set ${ES} vlan members 120`, 'rollback', 'exit']);
  });
});
