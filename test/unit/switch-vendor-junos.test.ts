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
const VLANS = 'show configuration vlans';
/** 110 and 120 are named, as real configurations name them; 130 has no VLAN of its own. */
const VLAN_BLOCKS = [
  'prod-web {',
  '    vlan-id 110;',
  '}',
  'prod-db {',
  '    description "db tier";',
  '    vlan-id 120;',
  '}',
  'storage {',
  '    vlan-id 200;',
  '}',
].join('\n');

function driver(script: RecordingScript): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector({
    ...script,
    answers: { [VLANS]: [VLAN_BLOCKS], ...script.answers },
  });
  return { rec, sw: new SshSwitchDriver(switchOf('junos'), rec) };
}

describe('junos command lists', () => {
  it('setAccessVlan: private candidate, members by VLAN name, commit, exit', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [ACCESS_110, conf('access', 'prod-db')] } });
    await sw.setAccessVlan(PORT, 120);
    expect(rec.lines).toEqual([
      'set cli screen-length 0',
      SHOW,
      VLANS,
      'configure private',
      `delete ${ES} vlan`,
      `set ${ES} interface-mode access`,
      `set ${ES} vlan members prod-db`,
      'commit',
      'exit',
      SHOW,
      VLANS,
    ]);
  });

  it('setTrunkVlans: a VLAN the switch does not have is declared as vlan-<id>, the others used by name', async () => {
    const { rec, sw } = driver({
      answers: { [SHOW]: [ACCESS_110, conf('trunk', '[ prod-web prod-db 130 ]')] },
    });
    await sw.setTrunkVlans(PORT, [130, 110, 120]);
    expect(rec.lines.slice(3, -2)).toEqual([
      'configure private',
      'set vlans vlan-130 vlan-id 130',
      `delete ${ES} vlan`,
      `set ${ES} interface-mode trunk`,
      `set ${ES} vlan members [ prod-web prod-db 130 ]`,
      'commit',
      'exit',
    ]);
  });

  it('addTrunkVlan / removeTrunkVlan name the member as the configuration does', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [
          conf('trunk', 'prod-web'),
          conf('trunk', '[ prod-web prod-db ]'),
          conf('trunk', '[ prod-web prod-db ]'),
          conf('trunk', 'prod-db'),
        ],
      },
    });
    await sw.addTrunkVlan(PORT, 120);
    await sw.removeTrunkVlan(PORT, 110);
    expect(rec.lines.filter((l) => l.includes('members'))).toEqual([
      `set ${ES} vlan members prod-db`,
      `delete ${ES} vlan members prod-web`,
    ]);
  });

  it('reads members given by name, by id, or both; an undefined name is not understood', async () => {
    expect(
      await driver({
        answers: { [SHOW]: [conf('trunk', '[ storage 300 prod-web ]')] },
      }).sw.readPort(PORT),
    ).toEqual({ mode: 'trunk', trunkVlans: [110, 200, 300], shutdown: false });
    await expect(
      driver({ answers: { [SHOW]: [conf('access', 'no-such-vlan')] } }).sw.readPort(PORT),
    ).rejects.toThrow(/cannot read/);
  });

  it('a VLAN name that is not a plain word is never written into a command', async () => {
    const odd = ['"prod;web" {', '    vlan-id 120;', '}'].join('\n');
    const { rec, sw } = driver({
      answers: { [VLANS]: [odd], [SHOW]: [ACCESS_110, conf('access', '120')] },
    });
    await sw.setAccessVlan(PORT, 120);
    expect(rec.lines).toContain(`set ${ES} vlan members 120`);
  });

  it('waits for a database locked by another user, trying the whole transaction again', async () => {
    const locked =
      'error: configuration database locked by:\n  netops terminal pts/1 (pid 4242) on since 2026-12-06 15:00:00 UTC\n      exclusive [edit]';
    const rec = new RecordingConnector({
      answers: {
        [VLANS]: [VLAN_BLOCKS],
        [SHOW]: [ACCESS_110, conf('access', 'prod-db')],
        commit: [locked, locked, 'commit complete'],
      },
    });
    await new SshSwitchDriver(switchOf('junos'), rec, { busyRetryMs: 10 }).setAccessVlan(PORT, 120);
    expect(
      rec.lines.filter((l) => ['configure private', 'commit', 'rollback', 'exit'].includes(l)),
    ).toEqual([
      'configure private',
      'commit',
      'rollback',
      'exit',
      'configure private',
      'commit',
      'rollback',
      'exit',
      'configure private',
      'commit',
      'exit',
    ]);
  });

  it('shutdown / noShutdown', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110, conf('access', '110', true), conf('access', '110', true), ACCESS_110],
      },
    });
    await sw.shutdown(PORT);
    await sw.noShutdown(PORT);
    expect(rec.lines.filter((l) => l.includes('disable'))).toEqual([
      `set interfaces ${PORT} disable`,
      `delete interfaces ${PORT} disable`,
    ]);
  });

  it('readPort; saveConfig sends nothing (commit persists)', async () => {
    const { rec, sw } = driver({ answers: { [SHOW]: [conf('trunk', '[ 110 200 ]', true)] } });
    expect(await sw.readPort(PORT)).toEqual({
      mode: 'trunk',
      trunkVlans: [110, 200],
      shutdown: true,
    });
    await sw.saveConfig();
    expect(rec.lines).toEqual(['set cli screen-length 0', SHOW, VLANS, 'set cli screen-length 0']);
  });

  it('a failed commit is rolled back before leaving configuration mode', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110],
        commit: ['error: vlan-id 120 is not defined\nerror: configuration check-out failed'],
      },
    });
    const err = await sw.setAccessVlan(PORT, 120).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRejectedError);
    expect(rec.lines.slice(-3)).toEqual(['commit', 'rollback', 'exit']);
  });

  it('a syntax error is rolled back too', async () => {
    const { rec, sw } = driver({
      answers: {
        [SHOW]: [ACCESS_110],
        [`set ${ES} vlan members prod-db`]: [
          '\n                                                       ^\nsyntax error.',
        ],
      },
    });
    await expect(sw.setAccessVlan(PORT, 120)).rejects.toBeInstanceOf(CommandRejectedError);
    expect(rec.lines.slice(-3)).toEqual([`set ${ES} vlan members prod-db`, 'rollback', 'exit']);
  });
});
