import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import type { LabSwitchesComponent } from '../../lab/switch/start-lab-switches';
import { relocatedTopology } from '../support/relocated-topology';
import { runCli } from '../support/run-cli';

describe('rackshift switch show / set-vlan against the lab', () => {
  let dataDir: string;
  let lab: Lab;
  let file: string;
  let switches: LabSwitchesComponent;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rackshift-switch-cli-'));
    const relocated = await relocatedTopology();
    file = relocated.file;
    lab = await startLab({ topology: relocated.topology, dataDir, only: ['switches'] });
    switches = lab.components.find((c) => c.kind === 'switches') as LabSwitchesComponent;
  });

  afterAll(async () => {
    await lab?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rackshift = (...args: string[]): Promise<string> =>
    runCli([...args, '--topology', file, '--secrets', lab.secretsFile]);

  it('shows every cabled port of a switch', async () => {
    const out = await rackshift('switch', 'show', 'sw-r1');
    expect(out).toContain('sw-r1 GigabitEthernet1/0/1   access VLAN 120');
    expect(out).toContain('sw-r1 GigabitEthernet1/0/11  access VLAN 200');
    expect(out).toContain(
      'sw-r1 GigabitEthernet1/0/3   access, no VLAN configured (mode not configured)',
    );
    expect(out.split('\n')).toHaveLength(8);
  });

  it('sets a trunk, reads it back and saves; a port already as asked is left alone', async () => {
    const out = await rackshift(
      'switch',
      'set-vlan',
      'sw-r2',
      'ge-0/0/3',
      '--trunk',
      '110,130,400',
    );
    expect(out).toBe(
      'sw-r2 ge-0/0/3: access, no VLAN configured (mode not configured) → trunk 110,130,400\nsw-r2: configuration saved',
    );
    expect(switches.switchView.portState('sw-r2', 'ge-0/0/3')).toMatchObject({
      mode: 'trunk',
      trunkVlans: [110, 130, 400],
    });
    expect(await rackshift('switch', 'show', 'sw-r2', 'ge-0/0/3')).toBe(
      'sw-r2 ge-0/0/3  trunk 110,130,400',
    );
    expect(
      await rackshift(
        'switch',
        'set-vlan',
        'sw-r1',
        'GigabitEthernet1/0/1',
        '--access',
        '120',
        '--no-save',
      ),
    ).toBe('sw-r1 GigabitEthernet1/0/1: already access VLAN 120');
  });

  it('refuses contradictory or unsafe arguments before connecting', async () => {
    const sessions = switches.switch('sw-r1').stats.sessions;
    await expect(
      rackshift(
        'switch',
        'set-vlan',
        'sw-r1',
        'GigabitEthernet1/0/1',
        '--access',
        '110',
        '--trunk',
        '110,120',
      ),
    ).rejects.toThrow(/exactly one of --access and --trunk/);
    await expect(
      rackshift('switch', 'set-vlan', 'sw-r1', 'GigabitEthernet1/0/1', '--access', '5000'),
    ).rejects.toThrow(/VLANs 1–4094/);
    await expect(
      rackshift('switch', 'set-vlan', 'sw-r1', 'Gi1/0/1;reload', '--access', '110'),
    ).rejects.toThrow(/port name/);
    await expect(rackshift('switch', 'show', 'sw-nope')).rejects.toThrow(
      /unknown switch "sw-nope"/,
    );
    expect(switches.switch('sw-r1').stats.sessions).toBe(sessions);
  });
});
