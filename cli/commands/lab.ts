import { InvalidArgumentError, type Command } from 'commander';
import { ID_PATTERN } from '../../inventory/patterns';
import type { LabFault } from '../../lab/control-server';
import { applyLabFault } from '../lab-control-client';
import { DEV_LAB_PORT } from './dev';
import { registerLabLifecycle } from './lab-lifecycle';

type LabOptions = { lab?: string; json?: boolean };

const idArgument =
  (what: string) =>
  (value: string): string => {
    if (!ID_PATTERN.test(value))
      throw new InvalidArgumentError(
        `must be a ${what} id (lower-case letters, digits, ".", "_" or "-", at most 63 characters), got ${JSON.stringify(value)}`,
      );
    return value;
  };

const labOption = (cmd: Command): Command =>
  cmd
    .option(
      '--lab <url>',
      `lab control server of \`rackshift dev\` (default $RACKSHIFT_LAB or http://127.0.0.1:${DEV_LAB_PORT})`,
    )
    .option('--json', "print the lab's raw JSON answer");

async function inject(
  fault: LabFault,
  opts: LabOptions,
  done: (machines: readonly string[]) => string,
): Promise<void> {
  const answer = await applyLabFault(
    opts.lab ?? process.env.RACKSHIFT_LAB ?? `http://127.0.0.1:${DEV_LAB_PORT}`,
    fault,
  );
  console.log(opts.json ? JSON.stringify(answer, null, 2) : done(answer.machines));
}

/**
 * `rackshift lab fault …`: break the simulated data center of `rackshift dev` on purpose (its
 * lab only; never real hardware); `lab start` and `lab reset` in lab-lifecycle.
 */
export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('the simulated data center of `rackshift dev`');
  registerLabLifecycle(lab, DEV_LAB_PORT);
  const fault = lab
    .command('fault')
    .description('inject a fault into the lab (POST /lab/faults on its control server)');

  labOption(
    fault
      .command('burn-rack')
      .description('every machine of a rack goes dark at once: BMCs stop answering, OSes die')
      .argument('<rack>', 'rack name, e.g. r1', idArgument('rack')),
  ).action(async (rack: string, opts: LabOptions) => {
    await inject({ fault: 'burn-rack', rack }, opts, (machines) => {
      // The lab answers a rack it does not know with no machines: say so instead of claiming a
      // fire.
      if (machines.length === 0)
        throw new InvalidArgumentError(
          `the lab has no machine in rack "${rack}" (check the --topology \`rackshift dev\` runs)`,
        );
      return `rack ${rack} burns: ${machines.length} machine(s) dark (${machines.join(', ')})`;
    });
  });

  labOption(
    fault
      .command('dark')
      .description(
        'one machine goes dark (BMC silent, OS gone); --off lights it again, powered off',
      )
      .argument('<machine>', 'machine id, e.g. m-r1-01', idArgument('machine'))
      .option('--off', 'end the fault'),
  ).action(async (machine: string, opts: LabOptions & { off?: boolean }) => {
    const on = opts.off !== true;
    await inject({ fault: 'dark', machine, on }, opts, () =>
      on ? `${machine}: dark` : `${machine}: answers again (powered off)`,
    );
  });

  labOption(
    fault
      .command('dark-site')
      .description(
        'a whole site goes dark: its BMCs, OSes and arrays stop answering, its replication links break (its switches still answer); --off brings it back',
      )
      .argument('<site>', 'site name, e.g. site-a', idArgument('site'))
      .option('--off', 'end the fault'),
  ).action(async (site: string, opts: LabOptions & { off?: boolean }) => {
    const on = opts.off !== true;
    await inject({ fault: 'dark-site', site, on }, opts, (machines) =>
      on
        ? `site ${site} dark: ${machines.length} machine(s) (${machines.join(', ')}), its arrays and replication links`
        : `site ${site} answers again: ${machines.length} machine(s) powered off, arrays up, links reconnecting`,
    );
  });
}
