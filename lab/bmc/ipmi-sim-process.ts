import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout } from 'node:timers/promises';
import { CommandStartError } from '../../common/command-errors';
import { rmcpPing } from './rmcp-ping';

export interface IpmiSimFiles {
  /** Working directory of the process (ipmi_sim looks for relative files there). */
  readonly dir: string;
  readonly lanConf: string;
  readonly emu: string;
  /**
   * ipmi_sim's persistence directory; with -p nothing is written, -s keeps even the attempt inside
   * the lab folder.
   */
  readonly stateDir: string;
}

const READY_WITHIN_MS = 5000;
const SETUP_HINT = 'install OpenIPMI (Debian package openipmi): bash scripts/setup.sh';

/**
 * One `ipmi_sim -n` process: started and considered up once it answers an RMCP presence
 * ping, paused with SIGSTOP (a dark BMC: packets go unanswered, as when the network is
 * gone) and killed with SIGKILL, which also ends a paused process.
 */
export class IpmiSimProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';

  constructor(
    private readonly files: IpmiSimFiles,
    private readonly address: string,
    private readonly port: number,
    private readonly program = 'ipmi_sim',
  ) {}

  get pid(): number | undefined {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null
      ? child.pid
      : undefined;
  }

  async start(): Promise<void> {
    // A second ipmi_sim on a busy UDP port starts without complaint and the two share it, so check
    // first.
    if (await rmcpPing(this.address, this.port, 200)) {
      throw new Error(
        `lab ipmi: something already answers IPMI at ${this.address}:${this.port} (a leftover ipmi_sim from a lab that was killed?)`,
      );
    }
    const { dir, lanConf, emu, stateDir } = this.files;
    const child = spawn(this.program, ['-c', lanConf, '-f', emu, '-n', '-p', '-s', stateDir], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let exit: { code: number | null; signal: string | null } | undefined;
    let startError: NodeJS.ErrnoException | undefined;
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        exit = { code, signal };
        resolve();
      });
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      startError = e;
    });
    // ipmi_sim reports configuration errors on stderr before it starts logging to syslog.
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-2000);
    });
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
      if (startError !== undefined && child.pid === undefined)
        throw new CommandStartError(
          this.program,
          startError.code ?? startError.message,
          SETUP_HINT,
        );
      if (exit !== undefined)
        throw new Error(
          `ipmi_sim for ${this.address}:${this.port} exited at start (code ${exit.code}, signal ${exit.signal}): ${this.stderr.trim() || 'no message'}`,
        );
      if (await rmcpPing(this.address, this.port, 100)) return;
      // A closed port answers the ping at once; do not spin while ipmi_sim reads its config.
      await setTimeout(20);
    }
    await this.stop();
    throw new Error(
      `ipmi_sim for ${this.address}:${this.port} did not answer an RMCP ping within ${READY_WITHIN_MS} ms: ${this.stderr.trim() || 'no message'}`,
    );
  }

  pause(): void {
    if (this.pid !== undefined) this.child?.kill('SIGSTOP');
  }

  resume(): void {
    if (this.pid !== undefined) this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.pid !== undefined) this.child?.kill('SIGKILL');
    await this.exited;
  }
}
