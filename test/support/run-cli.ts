import type { Command } from 'commander';
import { buildProgram } from '../../cli/main';

/**
 * Runs `rackshift <args>` in-process and returns what it printed with console.log. Commander
 * neither exits nor writes: a refused argument rejects with commander's message, so tests can
 * show that nothing was sent.
 */
export async function runCli(args: readonly string[]): Promise<string> {
  const lines: string[] = [];
  const spy = jest
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const program = buildProgram();
    // Commander copies these settings only into subcommands created later, so set them on every
    // one.
    const quiet = (c: Command): void => {
      c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      c.commands.forEach(quiet);
    };
    quiet(program);
    await program.parseAsync(['node', 'rackshift', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}
