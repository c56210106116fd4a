import { ValidationError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import { parseOrThrow } from '../../common/validate';
import {
  hypervisorEndpointSchema,
  type HypervisorEndpoint,
  type Machine,
} from '../../inventory/topology-schema';
import type { SshConnector, SshSession, SshTarget } from '../ssh/ssh-transport';
import type {
  HypervisorDriver,
  VmActionResult,
  VmInfo,
  VmShutdownOptions,
  VmShutdownResult,
} from './hypervisor-driver';
import {
  HypervisorCommandError,
  HypervisorUnavailableError,
  VmNotFoundError,
} from './hypervisor-errors';
import { libvirtDomainXml } from './libvirt-domain-xml';
import { classifyVirshFailure, virshCommands, type VirshFailure } from './virsh-commands';
import { parseDominfo, parseNameList } from './virsh-output';
import { vmNameSchema, type VmSpec } from './vm-spec';

export interface LibvirtSshDriverOptions {
  /** Per virsh command; `start` may wait for iSCSI logins, so the default is generous. */
  readonly commandTimeoutMs?: number;
  /** Waits between state reads during a graceful shutdown; tests pass one that returns at once. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_POLL_MS = 1_000;

/**
 * A libvirt host reached over SSH, driven with `virsh`. The domain XML travels on stdin;
 * every name passes vmNameSchema before it reaches a command line. virsh's failures become
 * VmNotFoundError, HypervisorUnavailableError or HypervisorCommandError (with virsh's text);
 * SSH failures arrive already typed from the connector.
 */
export class LibvirtSshDriver implements HypervisorDriver {
  private readonly commandTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly host: Machine,
    private readonly connector: SshConnector,
    options: LibvirtSshDriverOptions = {},
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  validate(): void {
    this.endpoint();
  }

  private endpoint(): HypervisorEndpoint {
    const parsed = hypervisorEndpointSchema.safeParse(this.host.hypervisor);
    if (!parsed.success)
      throw new ValidationError(
        `hypervisor endpoint of machine "${this.host.id}"`,
        fieldIssues(parsed.error, ['hypervisor']),
      );
    return parsed.data;
  }

  private async withSession<T>(work: (session: SshSession) => Promise<T>): Promise<T> {
    const hv = this.endpoint();
    const target: SshTarget = {
      deviceId: this.host.id,
      host: hv.address,
      port: hv.port,
      hostKeyFingerprint: hv.hostKeyFingerprint,
      credential: hv.credential,
    };
    const session = await this.connector.connect(target);
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }

  /**
   * Runs one virsh command about VM `vm` (if any). A failure listed in `accept` is returned
   * for the caller to read as "already"; any other becomes a typed error.
   */
  private async virsh(
    session: SshSession,
    command: string,
    vm: string | undefined,
    accept: readonly VirshFailure[] = [],
    stdin?: string,
  ): Promise<{ stdout: string; failure?: VirshFailure }> {
    const result = await session.exec(command, {
      timeoutMs: this.commandTimeoutMs,
      ...(stdin !== undefined && { stdin }),
    });
    if (result.code === 0) return { stdout: result.stdout };
    const text = `${result.stderr}\n${result.stdout}`.trim();
    const failure = classifyVirshFailure(text);
    if (failure !== undefined && accept.includes(failure))
      return { stdout: result.stdout, failure };
    if (failure === 'unavailable') throw new HypervisorUnavailableError(this.host.id, text);
    if (failure === 'not-found' && vm !== undefined) throw new VmNotFoundError(this.host.id, vm);
    throw new HypervisorCommandError(this.host.id, command, result.code, text);
  }

  private vmName(name: string): string {
    return parseOrThrow('VM name', vmNameSchema, name);
  }

  private async names(session: SshSession): Promise<string[]> {
    return parseNameList((await this.virsh(session, virshCommands.list, undefined)).stdout);
  }

  private async readInfo(session: SshSession, vm: string): Promise<VmInfo> {
    const { stdout } = await this.virsh(session, virshCommands.dominfo(vm), vm);
    const info = parseDominfo(stdout);
    if (info === undefined)
      throw new HypervisorCommandError(
        this.host.id,
        virshCommands.dominfo(vm),
        0,
        `unexpected dominfo output: ${stdout}`,
      );
    return info;
  }

  async define(spec: VmSpec): Promise<VmActionResult> {
    const xml = libvirtDomainXml(spec);
    return this.withSession(async (session) => {
      const existed = (await this.names(session)).includes(spec.name);
      await this.virsh(session, virshCommands.define, undefined, [], xml);
      return { already: existed };
    });
  }

  async start(name: string): Promise<VmActionResult> {
    const vm = this.vmName(name);
    return this.withSession(async (session) => ({
      already:
        (await this.virsh(session, virshCommands.start(vm), vm, ['already-running'])).failure !==
        undefined,
    }));
  }

  async destroy(name: string): Promise<VmActionResult> {
    const vm = this.vmName(name);
    return this.withSession(async (session) => ({
      already:
        (await this.virsh(session, virshCommands.destroy(vm), vm, ['not-running'])).failure !==
        undefined,
    }));
  }

  async undefine(name: string): Promise<VmActionResult> {
    const vm = this.vmName(name);
    return this.withSession(async (session) => ({
      already:
        (await this.virsh(session, virshCommands.undefine(vm), vm, ['not-found'])).failure !==
        undefined,
    }));
  }

  /**
   * ACPI request, then state reads until the guest is off or `graceMs` has passed, then destroy.
   */
  async shutdown(name: string, options: VmShutdownOptions): Promise<VmShutdownResult> {
    const vm = this.vmName(name);
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    return this.withSession(async (session) => {
      if (
        (await this.virsh(session, virshCommands.shutdown(vm), vm, ['not-running'])).failure !==
        undefined
      )
        return { already: true, forced: false };
      const deadline = Date.now() + options.graceMs;
      for (;;) {
        const state = await this.readInfo(session, vm).then(
          (info) => info.state,
          (e: unknown) => {
            // A transient VM vanishes when it stops: gone counts as off.
            if (e instanceof VmNotFoundError) return 'shut-off' as const;
            throw e;
          },
        );
        if (state === 'shut-off' || state === 'crashed') return { already: false, forced: false };
        const left = deadline - Date.now();
        if (left <= 0) break;
        await this.sleep(Math.min(pollMs, left));
      }
      const { failure } = await this.virsh(session, virshCommands.destroy(vm), vm, [
        'not-running',
        'not-found',
      ]);
      return { already: false, forced: failure === undefined };
    });
  }

  async info(name: string): Promise<VmInfo> {
    const vm = this.vmName(name);
    return this.withSession((session) => this.readInfo(session, vm));
  }

  async list(): Promise<string[]> {
    return this.withSession((session) => this.names(session));
  }
}
