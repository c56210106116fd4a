import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import { parseDrbdStatus } from '../../drivers/storage/drbd-commands';
import { ValidationError } from '../../common/errors';
import { ReplicaSnapshotRefusedError } from '../../drivers/storage/storage-errors';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import { LabDrbdLink } from '../../lab/san/lab-drbd';
import { RecordingConnector } from '../support/recording-ssh';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const topology = parseTopology(
  parseYaml(readFileSync(join(__dirname, '..', '..', 'examples', 'two-sites.yaml'), 'utf8')),
);
const arrayB = new TopologyIndex(topology).array('array-b');

const SECONDARY = [
  'db-01-boot role:Secondary',
  '  disk:UpToDate',
  '  array-a role:Primary',
  '    replication:Established peer-disk:UpToDate',
  '',
].join('\n');
const PRIMARY = SECONDARY.replace('role:Secondary', 'role:Primary');
const CUT_OFF = 'db-01-boot role:Secondary\n  disk:Consistent\n  array-a connection:Connecting\n';

describe('DRBD 9 replication commands', () => {
  it('parses drbdadm status connected and cut off', () => {
    expect(parseDrbdStatus(SECONDARY, 'db-01-boot-r', 'db-01-boot')).toEqual({
      lun: 'db-01-boot-r',
      resource: 'db-01-boot',
      role: 'secondary',
      disk: 'UpToDate',
      peer: {
        name: 'array-a',
        connection: 'Connected',
        role: 'primary',
        replication: 'Established',
        disk: 'UpToDate',
      },
    });
    expect(parseDrbdStatus(CUT_OFF, 'x', 'db-01-boot')).toEqual({
      lun: 'x',
      resource: 'db-01-boot',
      role: 'secondary',
      disk: 'Consistent',
      peer: { name: 'array-a', connection: 'Connecting' },
    });
    expect(parseDrbdStatus('other role:Primary\n  disk:UpToDate\n', 'x', 'db-01-boot')).toBe(
      undefined,
    );
  });

  it('sends exactly: status, then primary --force, then status again to read the change back', async () => {
    const ssh = new RecordingConnector({
      answers: { 'drbdadm status db-01-boot': [CUT_OFF, PRIMARY] },
    });
    const d = createArrayDriver(arrayB, ssh, { replication: topology.replication });
    expect(await d.promote('db-01-boot-r', { force: true })).toEqual({ already: false });
    expect(ssh.lines).toEqual([
      'drbdadm status db-01-boot',
      'drbdadm primary --force db-01-boot',
      'drbdadm status db-01-boot',
    ]);
  });

  it('demotes with secondary and reprotects with connect --discard-my-data', async () => {
    const ssh = new RecordingConnector({
      answers: {
        'drbdadm status db-01-boot': [
          PRIMARY.replace(/ {2}array-a.*\n.*\n/, '  array-a connection:StandAlone\n'),
          CUT_OFF.replace('Connecting', 'StandAlone'),
        ],
      },
    });
    const d = createArrayDriver(arrayB, ssh, { replication: topology.replication });
    await d.demote('db-01-boot-r');
    await d.resync('db-01-boot-r', { discardLocal: true });
    expect(ssh.lines).toEqual([
      'drbdadm status db-01-boot',
      'drbdadm secondary db-01-boot',
      'drbdadm status db-01-boot',
      'drbdadm connect --discard-my-data db-01-boot',
    ]);
  });

  it('refuses to snapshot a primary or an Inconsistent (mid-resync) replica, after reading only', async () => {
    for (const [status, why] of [
      [PRIMARY, /this side is primary/],
      [SECONDARY.replace('disk:UpToDate', 'disk:Inconsistent'), /its disk is Inconsistent/],
    ] as const) {
      const ssh = new RecordingConnector({ answers: { 'drbdadm status db-01-boot': [status] } });
      const d = createArrayDriver(arrayB, ssh, { replication: topology.replication });
      const taking = d.snapshotReplica('db-01-boot-r', 'db-01-boot-r.drill-0a0b0c');
      await expect(taking).rejects.toBeInstanceOf(ReplicaSnapshotRefusedError);
      await expect(taking).rejects.toThrow(why);
      expect(ssh.lines.filter((l) => !l.startsWith('targetcli'))).toEqual([
        'drbdadm status db-01-boot',
      ]);
      expect(ssh.lines.filter((l) => /^(cp|drbdadm (primary|secondary|connect))/.test(l))).toEqual(
        [],
      );
    }
  });

  it('refuses a LUN id that could reach the shell before any command', async () => {
    const ssh = new RecordingConnector();
    const d = createArrayDriver(arrayB, ssh, { replication: topology.replication });
    await expect(d.promote('x; reboot')).rejects.toBeInstanceOf(ValidationError);
    expect(ssh.lines).toEqual([]);
  });
});

describe('the lab DRBD link', () => {
  const web = topology.replication.find((r) => r.mode === 'async')!;

  it('lets an async replica lag by its RPO, then ships everything at the next sync', () => {
    let now = 1_000_000;
    const link = new LabDrbdLink(web, () => now);
    link.write('array-a');
    link.write('array-a');
    expect(link.node('array-b')?.generation).toBe(0);
    now += 299_000;
    link.write('array-a');
    expect(link.node('array-b')?.generation).toBe(0);
    now += 1_000;
    link.write('array-a');
    expect(link.node('array-b')?.generation).toBe(4);
    link.write('array-a');
    expect([link.node('array-a')?.generation, link.node('array-b')?.generation]).toEqual([5, 4]);
  });

  it('a promoted async replica holds the data of its last sync', () => {
    let now = 0;
    const link = new LabDrbdLink(web, () => now);
    now = 300_000;
    link.write('array-a');
    now = 400_000;
    link.write('array-a');
    link.setReachable(false);
    expect(link.drbdadm('array-b', ['primary', '--force', 'web-01-boot']).code).toBe(0);
    expect(link.node('array-b')?.generation).toBe(1);
  });
});
