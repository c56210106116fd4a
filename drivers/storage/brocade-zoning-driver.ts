import { NotFoundError, ValidationError, type FieldIssue } from '../../common/errors';
import { WWPN_PATTERN } from '../../inventory/patterns';
import type { Fabric, Lun } from '../../inventory/topology-schema';
import type { InteractiveShell, SshConnector, SshSession } from '../ssh/ssh-transport';
import {
  BROCADE_CONFIRM_ANSWER,
  BROCADE_CONFIRM_PROMPT,
  BROCADE_ERROR_PATTERNS,
  BROCADE_PROMPT,
  brocadeCommand,
  zoneNameOf,
} from './brocade-commands';
import { parseCfgActvShow, type EffectiveZoning } from './brocade-zone-parser';
import { matchError } from './command-template';
import type { LunMaskingDriver, MaskResult } from './lun-masking-driver';
import { checkMask, fcInitiator, lunId as checkedLunId } from './masking-guard';
import { StorageCommandError, StorageProtocolError, UnsupportedStorageOperationError } from './storage-errors';

export interface BrocadeZoningDriverOptions {
  readonly fabric: Fabric;
  readonly connector: SshConnector;
  /** The LUNs whose paths this fabric carries; their `shared` flag says how many initiators a zone may hold. */
  readonly luns: readonly Lun[];
  /** The array's FC target ports: members of every zone, never counted as holders. */
  readonly targetPorts: readonly string[];
  readonly commandTimeoutMs?: number;
}

/**
 * FC "masking" at the fabric: one zone per LUN (`rs_<lun>`) holding the array's target ports
 * and the initiators allowed to reach that LUN's path, in the fabric's zone configuration.
 * Every change is saved and enabled, answering FOS's y/n prompts, and read back with
 * cfgactvshow; a failure part-way aborts the zoning transaction (cfgtransabort).
 */
export class BrocadeZoningDriver implements LunMaskingDriver {
  private session: SshSession | undefined;
  private shell: InteractiveShell | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly luns: ReadonlyMap<string, Lun>;
  private readonly targetPorts: readonly string[];

  constructor(private readonly options: BrocadeZoningDriverOptions) {
    this.luns = new Map(options.luns.map((l) => [l.id, l]));
    this.targetPorts = options.targetPorts.map((p) => p.toLowerCase());
  }

  private get device(): string {
    return this.options.fabric.id;
  }

  validate(): void {
    const issues: FieldIssue[] = [];
    if (this.targetPorts.length === 0) issues.push({ path: 'targetPorts', message: 'a zone needs at least one array target port' });
    this.targetPorts.forEach((p, i) => {
      if (!WWPN_PATTERN.test(p)) issues.push({ path: `targetPorts[${i}]`, message: 'must be a WWPN like 50:06:01:60:3b:a0:11:22' });
    });
    if (issues.length > 0) throw new ValidationError(`fabric ${this.device}`, issues);
  }

  private async cli(): Promise<InteractiveShell> {
    if (this.shell !== undefined) return this.shell;
    const f = this.options.fabric;
    this.session ??= await this.options.connector.connect({ deviceId: f.id, host: f.address, port: f.port, hostKeyFingerprint: f.hostKeyFingerprint, credential: f.credential });
    this.shell = await this.session.shell(BROCADE_PROMPT, this.timeout());
    return this.shell;
  }

  private timeout(): { timeoutMs?: number } {
    return this.options.commandTimeoutMs === undefined ? {} : { timeoutMs: this.options.commandTimeoutMs };
  }

  private async send(operation: string, line: string, prompt?: RegExp): Promise<string> {
    const out = await (await this.cli()).send(line, { ...this.timeout(), ...(prompt !== undefined && { prompt }) });
    const error = matchError(BROCADE_ERROR_PATTERNS, out);
    if (error !== undefined) throw new StorageCommandError(this.device, operation, error.line, error.retryable);
    return out;
  }

  /** cfgsave and cfgenable ask "(yes, y, no, n): [no]"; the answer is the change. */
  private async confirmed(operation: string, line: string): Promise<void> {
    await this.send(operation, line, BROCADE_CONFIRM_PROMPT);
    await this.send(operation, BROCADE_CONFIRM_ANSWER);
  }

  private async active(): Promise<EffectiveZoning> {
    const zoning = parseCfgActvShow(await (await this.cli()).send(brocadeCommand('show'), this.timeout()));
    const cfg = this.options.fabric.zoneConfig;
    if (zoning.cfg !== undefined && zoning.cfg !== cfg) {
      throw new UnsupportedStorageOperationError(this.device, 'change zoning', `the effective configuration is "${zoning.cfg}" but the topology names "${cfg}"; enabling ours would replace it`);
    }
    return zoning;
  }

  private holders(zoning: EffectiveZoning, zone: string): string[] {
    return (zoning.zones.get(zone) ?? []).filter((m) => !this.targetPorts.includes(m)).sort();
  }

  /** Runs the changes, saves and enables them; on any failure aborts the open transaction and rethrows. */
  private async commit(operation: string, changes: readonly string[]): Promise<void> {
    const cfg = this.options.fabric.zoneConfig;
    try {
      for (const line of changes) await this.send(operation, line);
      await this.confirmed(operation, brocadeCommand('cfgSave'));
      await this.confirmed(operation, brocadeCommand('cfgEnable', { cfg }));
    } catch (e) {
      await this.shell?.send(brocadeCommand('abort'), this.timeout()).catch(() => undefined);
      throw e;
    }
  }

  private async readBack(zone: string, initiator: string, wantHolder: boolean): Promise<void> {
    const holders = this.holders(await this.active(), zone);
    if (holders.includes(initiator) !== wantHolder) {
      throw new StorageProtocolError(this.device, `after the change zone ${zone} holds [${holders.join(', ')}] in the effective configuration`);
    }
  }

  private lun(lun: string): Lun {
    const id = checkedLunId(lun);
    const found = this.luns.get(id);
    if (found === undefined) throw new NotFoundError(`LUN zoned on ${this.device}`, id);
    return found;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async mask(lun: string, initiator: string): Promise<MaskResult> {
    const spec = this.lun(lun);
    const wwpn = fcInitiator(initiator);
    const zone = zoneNameOf(spec.id);
    const cfg = this.options.fabric.zoneConfig;
    return this.serialized(async () => {
      const zoning = await this.active();
      const holdersBefore = this.holders(zoning, zone);
      const { already } = checkMask(this.device, spec.id, spec.shared, holdersBefore, wwpn);
      if (already) return { already, holdersBefore };
      const changes = zoning.zones.has(zone)
        ? [brocadeCommand('zoneAdd', { zone, wwpn })]
        : [
            brocadeCommand('zoneCreate', { zone, members: [wwpn, ...this.targetPorts].join('; ') }),
            brocadeCommand(zoning.cfg === undefined ? 'cfgCreate' : 'cfgAdd', { cfg, zone }),
          ];
      await this.commit(`zone ${spec.id} to ${wwpn}`, changes);
      await this.readBack(zone, wwpn, true);
      return { already, holdersBefore };
    });
  }

  async unmask(lun: string, initiator: string): Promise<MaskResult> {
    const spec = this.lun(lun);
    const wwpn = fcInitiator(initiator);
    const zone = zoneNameOf(spec.id);
    const cfg = this.options.fabric.zoneConfig;
    return this.serialized(async () => {
      const holdersBefore = this.holders(await this.active(), zone);
      if (!holdersBefore.includes(wwpn)) return { already: true, holdersBefore };
      const changes =
        holdersBefore.length === 1
          ? [brocadeCommand('cfgRemove', { cfg, zone }), brocadeCommand('zoneDelete', { zone })]
          : [brocadeCommand('zoneRemove', { zone, wwpn })];
      await this.commit(`unzone ${spec.id} from ${wwpn}`, changes);
      await this.readBack(zone, wwpn, false);
      return { already: false, holdersBefore };
    });
  }

  async listVisibleTo(initiator: string): Promise<readonly string[]> {
    const wwpn = fcInitiator(initiator);
    const zoning = await this.serialized(() => this.active());
    return [...this.luns.keys()].filter((id) => this.holders(zoning, zoneNameOf(id)).includes(wwpn)).sort();
  }

  async listHolders(lun: string): Promise<readonly string[]> {
    const zone = zoneNameOf(this.lun(lun).id);
    return this.holders(await this.serialized(() => this.active()), zone);
  }

  async close(): Promise<void> {
    const { shell, session } = this;
    this.shell = undefined;
    this.session = undefined;
    await shell?.close().catch(() => undefined);
    await session?.close().catch(() => undefined);
  }
}
