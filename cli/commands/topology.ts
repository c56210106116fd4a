import type { Command } from 'commander';
import { ValidationError } from '../../common/errors';
import { loadTopologyFile } from '../../inventory/load-topology';
import { EXIT } from '../exit-codes';

export function registerTopologyCommands(program: Command): void {
  const topology = program.command('topology').description('work with topology files');
  topology
    .command('validate')
    .description(
      'check a topology file (YAML or JSON): every schema and cross-reference error with its exact path',
    )
    .argument('<file>', 'topology file')
    .option('--json', 'print { valid, counts | issues } as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      try {
        const t = await loadTopologyFile(file);
        const counts = {
          sites: t.sites.length,
          machines: t.sites.reduce((n, s) => n + s.machines.length, 0),
          personas: t.personas.length,
          clusters: t.clusters.length,
        };
        console.log(
          opts.json
            ? JSON.stringify({ file, valid: true, ...counts })
            : `${file}: valid (${counts.sites} site(s), ${counts.machines} machine(s), ${counts.personas} persona(s), ${counts.clusters} cluster(s))`,
        );
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        if (opts.json) console.log(JSON.stringify({ file, valid: false, issues: e.issues }));
        else {
          for (const issue of e.issues)
            console.error(`${issue.path || '(file)'}: ${issue.message}`);
          console.error(`${file}: ${e.issues.length} error(s)`);
        }
        process.exitCode = EXIT.usage;
      }
    });
}
