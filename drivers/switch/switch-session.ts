import type { InteractiveShell, SshConnector, SshSession, SshTarget } from '../ssh/ssh-transport';
import { expandTemplate } from './command-template';
import { normalizeState, type PortVlanState } from './port-vlan-state';
import type { PlannedLine, PortTarget } from './port-change-plan';
import {
  CommandRejectedError,
  ConfigurationBusyError,
  PrivilegeRefusedError,
  UnexpectedOutputError,
} from './switch-errors';
import { assertSafeLine } from './switch-parameters';
import type { PrivilegeEscalation, VendorProfile } from './vendor-profile';

export interface SwitchSessionOptions {
  readonly commandTimeoutMs: number;
  /** For the commit lines of a configuration transaction. */
  readonly commitTimeoutMs: number;
  /**
   * How long a transaction refused because another user holds the configuration is tried again, in
   * all.
   */
  readonly busyWaitMs: number;
  /** The first pause before trying again; it doubles, up to 8 times this. */
  readonly busyRetryMs: number;
  /**
   * `NAME=value` words put before every exec line (`env OVS_RUNDIR=/run/ovs ovs-vsctl …`); already
   * validated.
   */
  readonly execEnv: readonly string[];
}

type LineRunner = (line: string, timeoutMs: number) => Promise<{ text: string; failed: boolean }>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * From user EXEC to privileged EXEC; a device still not at its privileged prompt afterwards
 * refused.
 */
async function enable(
  shell: InteractiveShell,
  prompt: RegExp,
  privilege: PrivilegeEscalation,
  switchId: string,
  timeoutMs: number,
): Promise<void> {
  const either = new RegExp(`(?:${prompt.source})|(?:${privilege.secretPrompt.source})`);
  let text = await shell.send(privilege.command, { timeoutMs, prompt: either });
  if (privilege.secretPrompt.test(shell.lastPrompt))
    text = await shell.sendEnableSecret({ timeoutMs, prompt: either });
  // A wrong secret is refused back at `>` (EOS `% Access denied`) or asked for again (IOS, three
  // times, then `% Bad secrets`): empty answers let the device say its refusal.
  for (let i = 0; i < 3 && privilege.secretPrompt.test(shell.lastPrompt); i += 1)
    text = await shell.send('', { timeoutMs, prompt: either });
  if (!privilege.privilegedPrompt.test(shell.lastPrompt))
    throw new PrivilegeRefusedError(switchId, privilege.command, text);
}

/**
 * One SSH session to one switch, speaking its vendor's dialect: runs lines and scans each
 * answer for the vendor's error patterns, reads a port, applies a planned change inside the
 * vendor's configuration transaction, saves.
 */
export class SwitchSession {
  /** The VLAN names read with the last port, where the vendor refers to VLANs by name. */
  vlanNames: ReadonlyMap<number, string> | undefined;

  private constructor(
    private readonly ssh: SshSession,
    private readonly runLine: LineRunner,
    private readonly vendor: VendorProfile,
    private readonly switchId: string,
    private readonly options: SwitchSessionOptions,
  ) {}

  static async open(
    connector: SshConnector,
    target: SshTarget,
    vendor: VendorProfile,
    options: SwitchSessionOptions,
  ): Promise<SwitchSession> {
    const ssh = await connector.connect(target);
    try {
      const transport = vendor.transport;
      let runLine: LineRunner;
      if (transport.kind === 'exec') {
        const prefix = options.execEnv.length > 0 ? `env ${options.execEnv.join(' ')} ` : '';
        runLine = async (line, timeoutMs) => {
          const r = await ssh.exec(`${prefix}${line}`, { timeoutMs });
          return { text: `${r.stdout}${r.stderr}`, failed: r.code !== 0 };
        };
      } else {
        const shell = await ssh.shell(transport.prompt, { timeoutMs: options.commandTimeoutMs });
        if (transport.privilege?.userPrompt.test(shell.lastPrompt)) {
          await enable(
            shell,
            transport.prompt,
            transport.privilege,
            target.deviceId,
            options.commandTimeoutMs,
          );
        }
        runLine = async (line, timeoutMs) => ({
          text: await shell.send(line, { timeoutMs }),
          failed: false,
        });
      }
      const session = new SwitchSession(ssh, runLine, vendor, target.deviceId, options);
      if (transport.kind === 'shell') for (const line of transport.setup) await session.run(line);
      return session;
    } catch (e) {
      await ssh.close();
      throw e;
    }
  }

  /** Sends one line; a rejected answer throws CommandRejectedError with the switch's text. */
  async run(
    line: string,
    tolerate?: RegExp,
    timeoutMs = this.options.commandTimeoutMs,
  ): Promise<string> {
    assertSafeLine(line);
    const { text, failed } = await this.runLine(line, timeoutMs);
    const refusal =
      this.vendor.transport.kind === 'exec' ? this.vendor.transport.privilegeRefused : undefined;
    if (refusal?.pattern.test(text))
      throw new PrivilegeRefusedError(this.switchId, refusal.how, text, refusal.advice);
    const rejected = failed || this.vendor.errorPatterns.some((p) => p.test(text));
    if (rejected && !(tolerate !== undefined && tolerate.test(text)))
      throw new CommandRejectedError(this.switchId, line, text);
    return text;
  }

  async readPort(target: PortTarget): Promise<PortVlanState> {
    const outputs: string[] = [];
    for (const line of expandTemplate(this.vendor, this.vendor.showPort, target))
      outputs.push(await this.run(line));
    const state = this.vendor.parsePort(outputs, target.port);
    if (state === undefined)
      throw new UnexpectedOutputError(
        this.switchId,
        `the VLAN state of port ${target.port}`,
        outputs.join('\n'),
      );
    this.vlanNames = this.vendor.parseVlanNames?.(outputs);
    return normalizeState(state);
  }

  /**
   * Runs planned lines inside the vendor's transaction. While another user holds the
   * configuration (Junos `configuration database locked`), the transaction is discarded and
   * tried again with a doubling pause, for busyWaitMs in all, as networking-generic-switch
   * retries a Junos commit.
   */
  async apply(plan: readonly PlannedLine[]): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.applyOnce(plan);
        return;
      } catch (e) {
        const busy =
          e instanceof CommandRejectedError &&
          (this.vendor.config.busy ?? []).some((p) => p.test(e.switchText));
        if (!busy) throw e;
        const pause = this.options.busyRetryMs * 2 ** Math.min(attempt, 3);
        const waited = Date.now() - started;
        if (waited + pause > this.options.busyWaitMs)
          throw new ConfigurationBusyError(
            this.switchId,
            (e as CommandRejectedError).switchText,
            waited,
          );
        await sleep(pause);
      }
    }
  }

  /**
   * On a rejected line a candidate configuration is discarded before leaving config mode, so
   * nothing half-done is committed.
   */
  private async applyOnce(plan: readonly PlannedLine[]): Promise<void> {
    const { enter, commit, discard, exit } = this.vendor.config;
    for (const line of enter) await this.run(line);
    try {
      for (const step of this.merged(plan)) await this.run(step.line, step.tolerate);
      for (const line of commit) await this.run(line, undefined, this.options.commitTimeoutMs);
    } catch (e) {
      if (e instanceof CommandRejectedError) await this.leave([...discard, ...exit]);
      throw e;
    }
    for (const line of exit) await this.run(line);
  }

  async save(): Promise<void> {
    for (const line of expandTemplate(this.vendor, this.vendor.saveConfig, {}))
      await this.run(line);
  }

  close(): Promise<void> {
    return this.ssh.close();
  }

  /** Best effort after a rejection: the original error is what the caller needs to see. */
  private async leave(lines: readonly string[]): Promise<void> {
    for (const line of lines) {
      try {
        await this.run(line);
      } catch (e) {
        if (!(e instanceof CommandRejectedError)) return;
      }
    }
  }

  private merged(plan: readonly PlannedLine[]): PlannedLine[] {
    const merge = this.vendor.transport.kind === 'exec' ? this.vendor.transport.merge : undefined;
    if (merge === undefined) return [...plan];
    const out: PlannedLine[] = [];
    for (const step of plan) {
      const last = out[out.length - 1];
      if (
        last !== undefined &&
        last.tolerate === undefined &&
        step.tolerate === undefined &&
        last.line.startsWith(merge.prefix) &&
        step.line.startsWith(merge.prefix)
      ) {
        out[out.length - 1] = {
          line: `${last.line}${merge.joiner}${step.line.slice(merge.prefix.length)}`,
        };
      } else out.push(step);
    }
    return out;
  }
}
