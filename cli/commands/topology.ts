import type { Command } from 'commander';
import { ValidationError } from '../../common/errors';
import { loadTopologyFile } from '../../inventory/load-topology';

export function registerTopologyCommands(program: Command): void {
  const topology = program.command('topology').description('work with topology files');
  topology
    .command('validate')
    .description('check a topology file (YAML or JSON): every schema and cross-reference error with its exact path')
    .argument('<file>', 'topology file')
    .action(async (file: string) => {
      try {
        const t = await loadTopologyFile(file);
        const machines = t.sites.reduce((n, s) => n + s.machines.length, 0);
        console.log(`${file}: valid (${t.sites.length} site(s), ${machines} machine(s), ${t.personas.length} persona(s), ${t.clusters.length} cluster(s))`);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        for (const issue of e.issues) console.error(`${issue.path || '(file)'}: ${issue.message}`);
        console.error(`${file}: ${e.issues.length} error(s)`);
        process.exitCode = 1;
      }
    });
}
