import { setTimeout as sleep } from 'node:timers/promises';
import { CommandStartError, CommandTimeoutError } from '../../common/command-errors';
import {
  SpawnCommandRunner,
  type CommandResult,
  type CommandRunner,
} from '../../common/command-runner';
import { CredentialError, ValidationError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import type { SecretStore } from '../../common/secrets';
import { USERNAME_PATTERN } from '../../inventory/patterns';
import { bmcSchema, type IpmiBmc, type Machine } from '../../inventory/topology-schema';
import {
  CipherSuiteMemory,
  configuredCipherSuites,
  processCipherSuiteMemory,
} from './ipmi-cipher-suites';
import {
  classifyIpmitoolFailure,
  parseBootFlags,
  parsePowerStatus,
  type IpmitoolFailure,
} from './ipmitool-output';
import type {
  BootDeviceRequest,
  BootDeviceState,
  PowerAction,
  PowerActionResult,
  PowerDriver,
  PowerState,
} from './power-driver';
import {
  BmcAuthError,
  BmcProtocolError,
  BmcUnreachableError,
  UnsupportedActionError,
} from './power-errors';

export interface IpmiPowerDriverOptions {
  /** A topology machine whose bmc.driver is 'ipmi'. */
  readonly machine: Machine;
  readonly secrets: SecretStore;
  readonly runner?: CommandRunner;
  /** Budget of one ipmitool run, retransmissions included. */
  readonly timeoutMs?: number;
  readonly ipmitoolPath?: string;
  /** Which cipher suite worked for which BMC (default: shared by the process). */
  readonly cipherSuiteMemory?: CipherSuiteMemory;
  /**
   * Pause before the first retry of a busy BMC; the n-th retry waits n times as long (default 1 s).
   */
  readonly busyRetryDelayMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Runs of one command against a busy BMC ("Node busy", no free session slot), as Ironic retries
 * them.
 */
const BUSY_ATTEMPTS = 3;
/**
 * Set System Boot Options (netfn chassis, cmd 0x08), parameter 3 "boot flag valid bit clearing" =
 * 0x08: not on the 60 s timeout.
 */
const KEEP_VALID_BIT = ['raw', '0x00', '0x08', '0x03', '0x08'];
/**
 * IPMI 2.0 limits; ipmitool refuses a longer password ("lanplus: password is longer than 20
 * bytes").
 */
const MAX_USERNAME_BYTES = 16;
const MAX_PASSWORD_BYTES = 20;

/**
 * With `-N 1 -R r`, ipmitool gives up on a silent BMC after about r(r+1) seconds (measured
 * against a closed port: 2, 6, 12, 20 s for r = 1…4). Pick the most retries that fit the
 * budget, at least one; the runner's kill at the budget is only the backstop.
 */
export function ipmitoolRetries(timeoutMs: number): number {
  let r = 1;
  while ((r + 1) * (r + 2) * 1000 <= timeoutMs) r += 1;
  return r;
}

/**
 * IPMI over LAN through Debian's ipmitool (`-I lanplus`). The password reaches ipmitool only
 * through IPMI_PASSWORD and `-E`, never argv. `-v` is always on: without it ipmitool prints
 * the same text for a wrong password and for a BMC that does not answer.
 */
export class IpmiPowerDriver implements PowerDriver {
  private readonly runner: CommandRunner;
  private readonly timeoutMs: number;
  private readonly ipmitoolPath: string;
  private readonly suites: CipherSuiteMemory;
  private readonly busyRetryDelayMs: number;

  constructor(private readonly options: IpmiPowerDriverOptions) {
    this.runner = options.runner ?? new SpawnCommandRunner();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.ipmitoolPath = options.ipmitoolPath ?? 'ipmitool';
    this.suites = options.cipherSuiteMemory ?? processCipherSuiteMemory;
    this.busyRetryDelayMs = options.busyRetryDelayMs ?? 1000;
  }

  private get context(): { machineId: string; bmcAddress: string } {
    const { id, bmc } = this.options.machine;
    return { machineId: id, bmcAddress: `${bmc.address}:${bmc.port}` };
  }

  validate(): void {
    this.target();
  }

  /** The checked BMC and credential; everything here reaches argv or the environment. */
  private target(): { bmc: IpmiBmc; username: string; password: string } {
    const { id, bmc } = this.options.machine;
    const what = `machine ${id}`;
    if (bmc.driver !== 'ipmi')
      throw new ValidationError(what, [
        { path: 'bmc.driver', message: `is "${bmc.driver}"; the IPMI driver needs "ipmi"` },
      ]);
    const parsed = bmcSchema.safeParse(bmc);
    if (!parsed.success) throw new ValidationError(what, fieldIssues(parsed.error, ['bmc']));
    const secret = this.options.secrets.resolve(bmc.credential);
    if (!USERNAME_PATTERN.test(secret.username)) {
      throw new CredentialError(
        bmc.credential,
        'the user name has whitespace, control characters, quotes or one of ; | $ & < > \\ ` (or starts with "-")',
      );
    }
    if (Buffer.byteLength(secret.username) > MAX_USERNAME_BYTES)
      throw new CredentialError(
        bmc.credential,
        `an IPMI user name has at most ${MAX_USERNAME_BYTES} bytes`,
      );
    if (secret.password === undefined)
      throw new CredentialError(bmc.credential, 'IPMI needs a password');
    if (Buffer.byteLength(secret.password) > MAX_PASSWORD_BYTES)
      throw new CredentialError(
        bmc.credential,
        `an IPMI password has at most ${MAX_PASSWORD_BYTES} bytes`,
      );
    if (secret.password.includes('\0'))
      throw new CredentialError(bmc.credential, 'the password contains a NUL character');
    return { bmc, username: secret.username, password: secret.password };
  }

  /**
   * Runs one ipmitool command; returns its stdout or throws the error its stderr means. Tries
   * the configured cipher suites in turn (the last one that worked first) while the BMC
   * refuses them, and retries a BMC that says it is busy a bounded number of times: a busy
   * answer means the command was not carried out, so even a power cycle is safe to repeat.
   */
  private async ipmitool(command: readonly string[]): Promise<string> {
    const { bmc } = this.target();
    const key = `${bmc.address}:${bmc.port}`;
    const refused: string[] = [];
    for (const suite of this.suites.order(key, configuredCipherSuites(bmc))) {
      for (let attempt = 1; ; attempt += 1) {
        const outcome = await this.runOnce(suite, command);
        if (typeof outcome === 'string') {
          this.suites.remember(key, suite);
          return outcome;
        }
        if (outcome.kind === 'cipher') {
          this.suites.forget(key, suite);
          refused.push(`${suite} (${outcome.detail})`);
          break;
        }
        if (outcome.kind === 'busy' && attempt < BUSY_ATTEMPTS) {
          await sleep(this.busyRetryDelayMs * attempt);
          continue;
        }
        throw this.errorFor(command, outcome);
      }
    }
    throw new UnsupportedActionError(
      this.context,
      'an IPMI session',
      `the BMC refused every configured cipher suite: ${refused.join('; ')}`,
    );
  }

  /** One ipmitool run with one cipher suite: its stdout, or how it failed. */
  private async runOnce(
    suite: number,
    command: readonly string[],
  ): Promise<string | IpmitoolFailure> {
    const { bmc, username, password } = this.target();
    const host = bmc.address.replace(/^\[(.*)\]$/, '$1');
    const args = [
      '-I',
      'lanplus',
      '-C',
      String(suite),
      '-H',
      host,
      '-p',
      String(bmc.port),
      '-U',
      username,
      '-E',
    ];
    args.push('-N', '1', '-R', String(ipmitoolRetries(this.timeoutMs)), '-v', ...command);
    let result: CommandResult;
    try {
      result = await this.runner.run(this.ipmitoolPath, args, {
        env: { IPMI_PASSWORD: password },
        timeoutMs: this.timeoutMs,
      });
    } catch (e) {
      if (e instanceof CommandTimeoutError)
        throw new BmcUnreachableError(this.context, `no answer within ${this.timeoutMs} ms`, e);
      if (e instanceof CommandStartError)
        throw new CommandStartError(
          this.ipmitoolPath,
          String(e.context.code),
          'install ipmitool (Debian package ipmitool; bash scripts/setup.sh)',
        );
      throw e;
    }
    return result.code === 0 ? result.stdout : classifyIpmitoolFailure(result.stderr);
  }

  private errorFor(command: readonly string[], failure: IpmitoolFailure): Error {
    switch (failure.kind) {
      case 'auth':
        return new BmcAuthError(this.context, failure.detail);
      case 'unsupported':
      case 'cipher':
        return new UnsupportedActionError(this.context, command.join(' '), failure.detail);
      case 'unreachable':
        return new BmcUnreachableError(this.context, failure.detail);
      case 'busy':
        return new BmcProtocolError(
          this.context,
          `still busy after ${BUSY_ATTEMPTS} attempts: ${failure.detail}`,
        );
      case 'protocol':
        return new BmcProtocolError(this.context, failure.detail);
    }
  }

  private unexpected(command: string, stdout: string): BmcProtocolError {
    const first = stdout.trim().split('\n')[0] ?? '';
    return new BmcProtocolError(
      this.context,
      `cannot read the output of "${command}": ${JSON.stringify(first.slice(0, 120))}`,
    );
  }

  async powerState(): Promise<PowerState> {
    const stdout = await this.ipmitool(['chassis', 'power', 'status']);
    const state = parsePowerStatus(stdout);
    if (state === undefined) throw this.unexpected('chassis power status', stdout);
    return state;
  }

  /**
   * Reads the state first so that on/off/soft on a machine already there send nothing.
   * Cycle on a machine that is off sends "on": IPMI power cycle has no effect on a chassis
   * that is off, and many BMCs refuse it ("Command not supported in present state").
   */
  async power(action: PowerAction): Promise<PowerActionResult> {
    const before = await this.powerState();
    const command = IpmiPowerDriver.commandFor(action, before);
    if (command === undefined) return { action, already: true, stateAfter: before };
    await this.ipmitool(['chassis', 'power', command]);
    return { action, already: false, stateAfter: await this.powerState() };
  }

  private static commandFor(
    action: PowerAction,
    state: PowerState,
  ): 'on' | 'off' | 'soft' | 'cycle' | undefined {
    switch (action) {
      case 'on':
        return state === 'on' ? undefined : 'on';
      case 'off':
      case 'soft':
        return state === 'off' ? undefined : action;
      case 'cycle':
        return state === 'off' ? 'on' : 'cycle';
    }
  }

  /**
   * Sets the override and returns what the BMC reports afterwards. A device other than the
   * one asked for is an error; persistent/EFI flags the BMC dropped are reported as read
   * (OpenIPMI ipmi_sim keeps only the device and always reads back "next boot only, legacy").
   *
   * The IPMI spec clears the boot flags' valid bit when no chassis control follows within
   * 60 s, so an override set early (the runbook re-VLANs and masks LUNs in between) would be
   * lost by the reset. First, as OpenStack Ironic's ipmitool driver does, boot option
   * parameter 3 is set to "don't clear the valid bit on timeout" (raw 0x00 0x08 0x03 0x08);
   * a BMC that does not implement parameter 3 (Ironic names OpenBMC) refuses it with a
   * completion code, has no such timeout to fear, and is carried on with.
   */
  async setBootDevice(request: BootDeviceRequest): Promise<BootDeviceState> {
    try {
      await this.ipmitool(KEEP_VALID_BIT);
    } catch (e) {
      if (!(e instanceof UnsupportedActionError)) throw e;
    }
    // Clearing the override has no options: "none" is the BMC's "no override" selector.
    const flags =
      request.device === 'none'
        ? []
        : [...(request.persistent ? ['persistent'] : []), ...(request.uefi ? ['efiboot'] : [])];
    const command = [
      'chassis',
      'bootdev',
      request.device,
      ...(flags.length > 0 ? [`options=${flags.join(',')}`] : []),
    ];
    await this.ipmitool(command);
    const state = await this.bootDevice();
    if (state.device !== request.device) {
      throw new UnsupportedActionError(
        this.context,
        command.join(' '),
        `the BMC reports boot device "${state.device}" afterwards`,
      );
    }
    return state;
  }

  async bootDevice(): Promise<BootDeviceState> {
    const stdout = await this.ipmitool(['chassis', 'bootparam', 'get', '5']);
    const state = parseBootFlags(stdout);
    if (state === undefined) throw this.unexpected('chassis bootparam get 5', stdout);
    return state;
  }

  /** ipmitool opens and closes its session on every run: nothing to release. */
  async close(): Promise<void> {}
}
