import { InvalidArgumentError, type Command } from 'commander';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { describeState } from '../../drivers/switch/port-vlan-state';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import type { PortChangeResult } from '../../drivers/switch/switch-driver';
import { parseVlanList } from '../../drivers/switch/vlan-list';
import { loadTopologyFile } from '../../inventory/load-topology';
import { driverOptions, type DriverCliOptions } from '../driver-options';
import { TopologyIndex } from '../../inventory/topology-index';

async function withDriver<T>(
  switchId: string,
  opts: DriverCliOptions,
  use: (d: SshSwitchDriver, index: TopologyIndex) => Promise<T>,
): Promise<T> {
  const index = new TopologyIndex(await loadTopologyFile(opts.topology));
  const driver = new SshSwitchDriver(
    index.switch(switchId),
    new Ssh2Connector(new EnvAndFileSecretStore(process.env, opts.secrets)),
  );
  try {
    return await use(driver, index);
  } finally {
    await driver.close();
  }
}

function vlanOption(value: string): number[] {
  const vlans = parseVlanList(value);
  if (vlans === undefined || vlans.length === 0)
    throw new InvalidArgumentError('must be VLANs 1–4094 like 110 or 110,120,130-132');
  return vlans;
}

function report(r: PortChangeResult): string {
  return r.changed
    ? `${r.switchId} ${r.port}: ${describeState(r.before)} → ${describeState(r.after)}`
    : `${r.switchId} ${r.port}: already ${describeState(r.after)}`;
}

/**
 * Diagnostics straight through the switch drivers, no workflow: what an operator runs when a
 * runbook cannot set a VLAN.
 */
export function registerSwitchCommands(program: Command): void {
  const sw = program
    .command('switch')
    .description("read or set a switch port's VLANs directly over SSH (diagnostics; no workflow)");

  driverOptions(
    sw
      .command('show')
      .description('the VLAN state of one port, or of every port the topology cables to the switch')
      .argument('<switchId>')
      .argument('[port]')
      .option('--json', 'print JSON'),
  ).action(
    async (
      switchId: string,
      port: string | undefined,
      opts: DriverCliOptions & { json?: boolean },
    ) => {
      await withDriver(switchId, opts, async (d, index) => {
        const ports =
          port !== undefined
            ? [port]
            : [
                ...new Set(
                  index
                    .allMachines()
                    .flatMap((m) => m.nics.filter((n) => n.switch === switchId).map((n) => n.port)),
                ),
              ];
        if (ports.length === 0) {
          console.log(`${switchId}: no port of it is cabled in the topology; name one`);
          return;
        }
        for (const p of ports) d.checkPort(p);
        const rows = await Promise.all(
          ports.map(async (p) => ({ port: p, state: await d.readPort(p) })),
        );
        if (opts.json) {
          console.log(JSON.stringify({ switch: switchId, ports: rows }));
          return;
        }
        const width = Math.max(...ports.map((p) => p.length));
        for (const r of rows)
          console.log(`${switchId} ${r.port.padEnd(width)}  ${describeState(r.state)}`);
      });
    },
  );

  driverOptions(
    sw
      .command('set-vlan')
      .description(
        'make a port an access port of one VLAN or a trunk of a VLAN list, read it back, and save the configuration',
      )
      .argument('<switchId>')
      .argument('<port>')
      .option('--access <vlan>', 'access VLAN', vlanOption)
      .option('--trunk <vlans>', 'trunk VLAN list, e.g. 110,120,130-132', vlanOption)
      .option('--no-save', 'leave the running configuration unsaved')
      .option('--json', 'print JSON'),
  ).action(
    async (
      switchId: string,
      port: string,
      opts: DriverCliOptions & {
        access?: number[];
        trunk?: number[];
        save: boolean;
        json?: boolean;
      },
    ) => {
      if ((opts.access === undefined) === (opts.trunk === undefined))
        throw new InvalidArgumentError('give exactly one of --access and --trunk');
      if (opts.access !== undefined && opts.access.length !== 1)
        throw new InvalidArgumentError('--access takes one VLAN');
      await withDriver(switchId, opts, async (d) => {
        const result =
          opts.access !== undefined
            ? await d.setAccessVlan(port, opts.access[0] as number)
            : await d.setTrunkVlans(port, opts.trunk ?? []);
        const saved = opts.save && result.changed;
        if (saved) await d.saveConfig();
        if (opts.json) {
          console.log(JSON.stringify({ switch: switchId, ...result, saved }));
          return;
        }
        console.log(report(result));
        if (saved) console.log(`${switchId}: configuration saved`);
      });
    },
  );
}
