import type { LabShellCli } from './lab-ssh-shell-server';

/**
 * A lab CLI that calls `afterLine` once each line is answered: how a peer writes the lab state
 * down after every line that may have changed its configuration, before the client reads the
 * answer (as a device's NVRAM write precedes its prompt).
 */
export function withLineHook(cli: LabShellCli, afterLine: () => void): LabShellCli {
  return {
    prompt: () => cli.prompt(),
    handle: (line) => {
      const answer = cli.handle(line);
      afterLine();
      return answer;
    },
    get readingSecret() {
      return cli.readingSecret;
    },
    closed: () => cli.closed?.(),
  };
}
