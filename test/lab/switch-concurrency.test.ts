import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import type { PortChangeResult } from '../../drivers/switch/switch-driver';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import type { LabSwitchesComponent } from '../../lab/switch/start-lab-switches';
import { switchLabTopology } from '../support/switch-lab-topology';

const VLANS = [110, 120, 130, 200, 300];

describe.each([1, 2])(
  '50 concurrent VLAN changes on one switch (session limit %i)',
  (sessionLimit) => {
    let dataDir: string;
    let lab: Lab;
    let switches: LabSwitchesComponent;
    let driver: SshSwitchDriver;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'rackshift-switch-conc-'));
      const topology = await switchLabTopology(['cisco-ios'], { sessionLimit });
      lab = await startLab({ topology, dataDir, only: ['switches'] });
      switches = lab.components.find((c) => c.kind === 'switches') as LabSwitchesComponent;
      const sw = topology.sites[0]?.switches[0];
      if (sw === undefined) throw new Error('no switch');
      driver = new SshSwitchDriver(
        sw,
        new Ssh2Connector(new EnvAndFileSecretStore({}, lab.secretsFile), {
          commandTimeoutMs: 10_000,
        }),
      );
    });

    afterAll(async () => {
      await driver?.close();
      await lab?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('serializes, batches, applies all of them and loses none', async () => {
      const labSwitch = switches.switch('sw-cisco-ios');
      // 40 changes over 20 ports (two each, in order) and 10 in a row on one port.
      const changes: Array<{ port: string; vlan: number }> = [];
      for (let round = 0; round < 2; round += 1) {
        for (let p = 1; p <= 20; p += 1)
          changes.push({
            port: `GigabitEthernet2/0/${p}`,
            vlan: VLANS[(p + round) % VLANS.length] as number,
          });
      }
      for (let k = 0; k < 10; k += 1)
        changes.push({ port: 'GigabitEthernet1/0/1', vlan: VLANS[k % VLANS.length] as number });

      // They arrive in waves while sessions are busy, as activities of parallel runbooks would.
      const pending: Array<Promise<PortChangeResult>> = [];
      for (const [i, c] of changes.entries()) {
        pending.push(driver.setAccessVlan(c.port, c.vlan));
        if (i % 7 === 6) await new Promise((r) => setTimeout(r, 15));
      }
      const results = await Promise.all(pending);

      expect(results).toHaveLength(50);
      for (const [i, r] of results.entries()) {
        expect(r.port).toBe(changes[i]?.port);
        expect(r.after).toMatchObject({ mode: 'access', accessVlan: changes[i]?.vlan });
      }
      // Per port, each change saw the one queued before it: none lost, none reordered.
      for (let k = 1; k < 10; k += 1)
        expect(results[40 + k]?.before.accessVlan).toBe(changes[40 + k - 1]?.vlan);
      for (let p = 0; p < 20; p += 1)
        expect(results[20 + p]?.before.accessVlan).toBe(changes[p]?.vlan);
      for (const [port, vlan] of new Map(changes.map((c) => [c.port, c.vlan]))) {
        expect(switches.switchView.portState('sw-cisco-ios', port)).toMatchObject({
          mode: 'access',
          accessVlan: vlan,
        });
      }

      const stats = driver.stats();
      console.log(
        `50 VLAN changes, session limit ${sessionLimit}: ${labSwitch.stats.sessions} SSH sessions opened (lab count), ` +
          `${stats.batches} batches, largest batch ${stats.largestBatch}, at most ${labSwitch.stats.maxOpen} open at once`,
      );
      expect(labSwitch.stats.sessions).toBe(stats.sessionsOpened);
      expect(labSwitch.stats.sessions).toBeLessThan(50);
      expect(stats.largestBatch).toBeGreaterThan(1);
      expect(labSwitch.stats.maxOpen).toBeLessThanOrEqual(sessionLimit);
    });
  },
);
