import type { SshConnector, SshSession } from '../../drivers/ssh/ssh-transport';

/** Records every command line a driver sends over SSH, in order (stdin is not part of it). */
export class CountingConnector implements SshConnector {
  readonly commands: string[] = [];
  constructor(private readonly inner: SshConnector) {}
  async connect(target: Parameters<SshConnector['connect']>[0]): Promise<SshSession> {
    const session = await this.inner.connect(target);
    return {
      ...session,
      exec: (c, o) => (this.commands.push(c), session.exec(c, o)),
      shell: (p, o) => session.shell(p, o),
      close: () => session.close(),
    };
  }
}
