import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secret } from '../../common/secrets';
import type { IpmiBmc } from '../../inventory/topology-schema';
import type { LabMachine } from '../lab-machine';
import { IPMI_SIM_EMU, renderLanConf } from './ipmi-sim-config';
import { BootFlagTimeout, cleartextIpmiRequest } from './ipmi-boot-flag-timeout';
import type { IpmiQuirks } from './ipmi-profiles';
import { IpmiSimProcess } from './ipmi-sim-process';
import { RmcpCipherGate } from './rmcp-cipher-gate';

export interface LabIpmiBmcOptions {
  /** This BMC's folder: lan.conf (0600), the emu file, ipmi_sim's state dir. */
  readonly dir: string;
  readonly secret: Secret;
  readonly chassisControl: string;
  readonly quirks?: IpmiQuirks;
  /** The boot flags' valid-bit timeout of a profile that has one (the spec's 60 s by default). */
  readonly bootFlagTimeoutMs?: number;
}

/** A UDP port free on `address` right now, for an ipmi_sim that sits behind a gate. */
async function freeUdpPort(address: string): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * One lab machine's IPMI BMC: a real ipmi_sim that follows the machine's faults. Dark →
 * SIGSTOP (no answer at all); rejectAuth → restarted with a password nobody knows, so
 * logins fail exactly as with a wrong password; cleared → restarted with the real one.
 */
export class LabIpmiBmc {
  private sim: IpmiSimProcess | undefined;
  /**
   * In front of ipmi_sim when the profile refuses cipher suites or sessions; ipmi_sim then listens
   * on `simPort`.
   */
  private gate: RmcpCipherGate | undefined;
  private simPort: number;
  private bootFlags: BootFlagTimeout | undefined;
  private restarts: Promise<void> = Promise.resolve();
  private readonly bmc: IpmiBmc;

  constructor(
    private readonly machine: LabMachine,
    private readonly options: LabIpmiBmcOptions,
  ) {
    if (machine.spec.bmc.driver !== 'ipmi')
      throw new Error(`lab ipmi: ${machine.id} has a ${machine.spec.bmc.driver} BMC`);
    this.bmc = machine.spec.bmc;
    this.simPort = this.bmc.port;
  }

  get machineId(): string {
    return this.machine.id;
  }

  async start(): Promise<void> {
    await mkdir(join(this.options.dir, 'state'), { recursive: true, mode: 0o700 });
    await writeFile(join(this.options.dir, 'bmc.emu'), IPMI_SIM_EMU, { mode: 0o600 });
    const refused = this.options.quirks?.refusedCipherSuites ?? [];
    const busy = this.options.quirks?.busyOpenSessions ?? 0;
    if (refused.length > 0 || busy > 0) {
      this.simPort = await freeUdpPort(this.bmc.address);
      const timeout = this.options.quirks?.bootFlagTimeout
        ? new BootFlagTimeout(this.machine, this.options.bootFlagTimeoutMs ?? 60_000)
        : undefined;
      this.bootFlags = timeout;
      const observe = (packet: Buffer): void => {
        const request = timeout === undefined ? undefined : cleartextIpmiRequest(packet);
        if (request !== undefined) timeout?.observe(request);
      };
      const gate = new RmcpCipherGate(
        { address: this.bmc.address, port: this.simPort },
        refused,
        observe,
        busy,
      );
      await gate.listen(this.bmc.address, this.bmc.port);
      this.gate = gate;
    }
    await this.launch();
    this.machine.on('dark', this.onDark);
    this.machine.on('reject-auth', this.onRejectAuth);
  }

  private async launch(): Promise<void> {
    const { dir, secret, chassisControl } = this.options;
    const lanConf = join(dir, 'lan.conf');
    const password = this.machine.rejectAuth
      ? randomBytes(12).toString('base64url')
      : (secret.password ?? '');
    const guid = createHash('sha256').update(this.machine.id).digest('hex').slice(0, 32);
    const text = renderLanConf({
      machineId: this.machine.id,
      address: this.bmc.address,
      port: this.simPort,
      guid,
      username: secret.username,
      password,
      chassisControl,
    });
    await writeFile(lanConf, text, { mode: 0o600 });
    const sim = new IpmiSimProcess(
      { dir, lanConf, emu: join(dir, 'bmc.emu'), stateDir: join(dir, 'state') },
      this.bmc.address,
      this.simPort,
    );
    await sim.start();
    this.sim = sim;
    if (this.machine.dark) sim.pause();
    if (this.gate !== undefined) this.gate.silent = this.machine.dark;
  }

  private readonly onDark = (dark: boolean): void => {
    if (this.gate !== undefined) this.gate.silent = dark;
    if (dark) this.sim?.pause();
    else this.sim?.resume();
  };

  private readonly onRejectAuth = (): void => {
    this.restarts = this.restarts
      .then(async () => {
        const old = this.sim;
        this.sim = undefined;
        await old?.stop();
        await this.launch();
      })
      .catch((e: unknown) =>
        console.error(
          `lab ipmi: restarting the BMC of ${this.machine.id} failed: ${(e as Error).message}`,
        ),
      );
  };

  /** Resolves once every fault-triggered restart so far has finished. */
  settled(): Promise<void> {
    return this.restarts;
  }

  describe(): Record<string, unknown> {
    return {
      address: `${this.bmc.address}:${this.bmc.port}`,
      pid: this.sim?.pid ?? null,
      paused: this.machine.dark,
      rejectingAuth: this.machine.rejectAuth,
      refusedCipherSuites: this.options.quirks?.refusedCipherSuites ?? [],
      ...(this.gate !== undefined &&
        this.options.quirks?.busyOpenSessions !== undefined && {
          busyRefusals: this.gate.busyRefusals,
        }),
      ...(this.bootFlags?.requested !== undefined && {
        bootFlagsRequested: this.bootFlags.requested,
      }),
    };
  }

  async stop(): Promise<void> {
    this.machine.off('dark', this.onDark);
    this.machine.off('reject-auth', this.onRejectAuth);
    await this.restarts;
    await this.sim?.stop();
    this.sim = undefined;
    await this.gate?.close();
    this.gate = undefined;
    this.bootFlags?.stop();
  }
}
