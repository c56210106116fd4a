import { NotFoundError, ValidationError, type FieldIssue } from '../../common/errors';
import { DRILL_CLONE_ID_PATTERN, WWPN_PATTERN } from '../../inventory/patterns';
import type { Fabric, Lun } from '../../inventory/topology-schema';
import type { InteractiveShell, SshConnector, SshSession } from '../ssh/ssh-transport';
import {
  BROCADE_CONFIRM_ANSWER,
  BROCADE_ERROR_PATTERNS,
  BROCADE_PROMPT,
  BROCADE_QUESTION,
  BROCADE_QUESTION_OR_PROMPT,
  BROCADE_TRANS_ABORTABLE,
  brocadeCommand,
  zoneNameOf,
} from './brocade-commands';
import { parseCfgShow, type FabricZoning } from './brocade-zone-parser';
import { matchError } from './command-template';
import type { LunAccessDriver, MaskResult } from './lun-access-driver';
import { checkMask, fcInitiator, lunId as checkedLunId } from './masking-guard';
import {
  StorageCommandError,
  StorageProtocolError,
  UnsupportedStorageOperationError,
} from './storage-errors';

export interface BrocadeZoningDriverOptions {
  readonly fabric: Fabric;
  /** The array whose LUNs these zones carry (zone names include its id). */
  readonly array: string;
  readonly connector: SshConnector;
  /**
   * The LUNs whose paths this fabric carries; their `shared` flag says how many initiators a zone
   * may hold.
   */
  readonly luns: readonly Lun[];
  /** The array's FC target ports: members of every zone, never counted as holders. */
  readonly targetPorts: readonly string[];
  /** HBA ports of one machine (by WWPN), which count as one holder of an unshared LUN. */
  readonly machineWwpns?: readonly (readonly string[])[];
  readonly commandTimeoutMs?: number;
}

/** One zoning change: edits to the defined database, then how the transaction is closed. */
interface ZonePlan {
  /** `cfgdisable` first: the change deletes the configuration that is in effect. */
  readonly disableFirst: boolean;
  readonly edits: readonly string[];
  /** `enable` commits and saves with cfgenable; `save` (nothing left to enable) with cfgsave. */
  readonly close: 'enable' | 'save';
}

/** Fabric address → the tail of its change queue in this process. */
const FABRIC_QUEUES = new Map<string, Promise<unknown>>();

/**
 * FC "masking" at the fabric: one zone per LUN (`rs_<array>_<lun>`) holding the array's target
 * ports
 * and the initiators allowed to reach that LUN's path, in the fabric's zone configuration.
 * Changes are planned from the defined database (which the next enable makes effective) and
 * committed with cfgenable, which saves and enables in one step, so a refused enable leaves
 * both databases as they were. The last zone of the configuration is removed by disabling
 * and deleting the configuration, as FOS deletes a cfg whose last member is removed. A failed
 * change aborts the transaction only when cfgtransshow says this session owns it.
 */
export class BrocadeZoningDriver implements LunAccessDriver {
  private session: SshSession | undefined;
  private shell: InteractiveShell | undefined;
  private readonly luns: ReadonlyMap<string, Lun>;
  private readonly targetPorts: readonly string[];

  constructor(private readonly options: BrocadeZoningDriverOptions) {
    this.luns = new Map(options.luns.map((l) => [l.id, l]));
    this.targetPorts = options.targetPorts.map((p) => p.toLowerCase());
  }

  private get device(): string {
    return this.options.fabric.id;
  }

  private get cfg(): string {
    return this.options.fabric.zoneConfig;
  }

  validate(): void {
    const issues: FieldIssue[] = [];
    if (this.targetPorts.length === 0)
      issues.push({ path: 'targetPorts', message: 'a zone needs at least one array target port' });
    this.targetPorts.forEach((p, i) => {
      if (!WWPN_PATTERN.test(p))
        issues.push({
          path: `targetPorts[${i}]`,
          message: 'must be a WWPN like 50:06:01:60:3b:a0:11:22',
        });
    });
    if (issues.length > 0) throw new ValidationError(`fabric ${this.device}`, issues);
  }

  private async cli(): Promise<InteractiveShell> {
    if (this.shell !== undefined) return this.shell;
    const f = this.options.fabric;
    this.session ??= await this.options.connector.connect({
      deviceId: f.id,
      host: f.address,
      port: f.port,
      hostKeyFingerprint: f.hostKeyFingerprint,
      credential: f.credential,
    });
    this.shell = await this.session.shell(BROCADE_PROMPT, this.timeout());
    return this.shell;
  }

  private timeout(): { timeoutMs?: number } {
    return this.options.commandTimeoutMs === undefined
      ? {}
      : { timeoutMs: this.options.commandTimeoutMs };
  }

  private async send(operation: string, line: string, prompt?: RegExp): Promise<string> {
    const out = await (
      await this.cli()
    ).send(line, { ...this.timeout(), ...(prompt !== undefined && { prompt }) });
    const error = matchError(BROCADE_ERROR_PATTERNS, out);
    if (error !== undefined)
      throw new StorageCommandError(this.device, operation, error.line, error.retryable);
    return out;
  }

  /**
   * cfgsave, cfgenable and cfgdisable ask "(yes, y, no, n): [no]"; the answer is the change. A
   * refusal comes before the question.
   */
  private async confirmed(operation: string, line: string): Promise<void> {
    const asked = await this.send(operation, line, BROCADE_QUESTION_OR_PROMPT);
    if (!BROCADE_QUESTION.test(asked))
      throw new StorageProtocolError(
        this.device,
        `${line} did not ask for confirmation: ${asked.trim().split('\n')[0] ?? ''}`,
      );
    await this.send(operation, BROCADE_CONFIRM_ANSWER);
  }

  private async read(): Promise<FabricZoning> {
    const zoning = parseCfgShow(
      await (await this.cli()).send(brocadeCommand('show'), this.timeout()),
    );
    const effective = zoning.effective.cfg;
    if (effective !== undefined && effective !== this.cfg) {
      throw new UnsupportedStorageOperationError(
        this.device,
        'change zoning',
        `the effective configuration is "${effective}" but the topology names "${this.cfg}"; enabling ours would replace it`,
      );
    }
    return zoning;
  }

  private holders(zone: readonly string[] | undefined): string[] {
    return (zone ?? []).filter((m) => !this.targetPorts.includes(m)).sort();
  }

  /** A zone takes effect only as a member of the configuration that is enabled. */
  private definedHolders(zoning: FabricZoning, zone: string): string[] {
    return zoning.defined.cfgs.get(this.cfg)?.includes(zone)
      ? this.holders(zoning.defined.zones.get(zone))
      : [];
  }

  private effectiveHolders(zoning: FabricZoning, zone: string): string[] {
    return this.holders(zoning.effective.zones.get(zone));
  }

  /**
   * Aborts the zoning transaction only if this session owns it: another session's stays untouched.
   */
  private async abortOwnTransaction(): Promise<void> {
    const shell = this.shell;
    if (shell === undefined) return;
    const trans = await shell.send(brocadeCommand('transShow'), this.timeout()).catch(() => '');
    if (BROCADE_TRANS_ABORTABLE.test(trans))
      await shell.send(brocadeCommand('abort'), this.timeout()).catch(() => undefined);
  }

  private async commit(operation: string, plan: ZonePlan): Promise<void> {
    try {
      if (plan.disableFirst) await this.confirmed(operation, brocadeCommand('cfgDisable'));
      for (const line of plan.edits) await this.send(operation, line);
      if (plan.close === 'enable')
        await this.confirmed(operation, brocadeCommand('cfgEnable', { cfg: this.cfg }));
      else await this.confirmed(operation, brocadeCommand('cfgSave'));
    } catch (e) {
      await this.abortOwnTransaction();
      throw e;
    }
  }

  /**
   * Both databases must agree after a change: the defined one is what the next enable would make
   * effective.
   */
  private async readBack(zone: string, initiator: string, wantHolder: boolean): Promise<void> {
    const zoning = await this.read();
    const effective = this.effectiveHolders(zoning, zone);
    const defined = this.definedHolders(zoning, zone);
    if (
      effective.includes(initiator) !== wantHolder ||
      defined.includes(initiator) !== wantHolder
    ) {
      throw new StorageProtocolError(
        this.device,
        `after the change zone ${zone} holds [${effective.join(', ')}] in the effective and [${defined.join(', ')}] in the defined configuration`,
      );
    }
  }

  private sameMachine(a: string, b: string): boolean {
    return (
      a === b ||
      (this.options.machineWwpns ?? []).some((ports) => ports.includes(a) && ports.includes(b))
    );
  }

  /**
   * A topology LUN, or a DR drill's snapshot clone of one (never shared: one drill copy sees it).
   */
  private lun(lun: string): Lun {
    const id = checkedLunId(lun);
    const found = this.luns.get(id);
    if (found !== undefined) return found;
    const source = DRILL_CLONE_ID_PATTERN.test(id)
      ? this.luns.get(id.replace(/\.drill-[0-9a-f]{6}$/, ''))
      : undefined;
    if (source === undefined) throw new NotFoundError(`LUN zoned on ${this.device}`, id);
    return { ...source, id, shared: false };
  }

  /**
   * One queue per fabric in this process, shared by every driver instance (each activity makes
   * its own): FOS gives one session the zoning transaction, so parallel moves take turns here
   * instead of refusing each other's edits.
   */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const key = `${this.options.fabric.address}:${this.options.fabric.port}`;
    const next = (FABRIC_QUEUES.get(key) ?? Promise.resolve()).then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    FABRIC_QUEUES.set(key, settled);
    void settled.then(() => {
      if (FABRIC_QUEUES.get(key) === settled) FABRIC_QUEUES.delete(key);
    });
    return next;
  }

  private maskPlan(zoning: FabricZoning, zone: string, wwpn: string): ZonePlan {
    const members = zoning.defined.zones.get(zone);
    const cfgZones = zoning.defined.cfgs.get(this.cfg);
    const edits = [
      ...(members === undefined
        ? [brocadeCommand('zoneCreate', { zone, members: [wwpn, ...this.targetPorts].join('; ') })]
        : members.includes(wwpn)
          ? []
          : [brocadeCommand('zoneAdd', { zone, wwpn })]),
      ...(cfgZones === undefined
        ? [brocadeCommand('cfgCreate', { cfg: this.cfg, zone })]
        : cfgZones.includes(zone)
          ? []
          : [brocadeCommand('cfgAdd', { cfg: this.cfg, zone })]),
    ];
    return { disableFirst: false, edits, close: 'enable' };
  }

  private unmaskPlan(zoning: FabricZoning, zone: string, wwpn: string): ZonePlan {
    const members = zoning.defined.zones.get(zone) ?? [];
    const cfgZones = zoning.defined.cfgs.get(this.cfg) ?? [];
    if (!members.includes(wwpn))
      return { disableFirst: false, edits: [], close: cfgZones.length > 0 ? 'enable' : 'save' };
    if (this.holders(members).length > 1)
      return {
        disableFirst: false,
        edits: [brocadeCommand('zoneRemove', { zone, wwpn })],
        close: 'enable',
      };
    if (cfgZones.length === 1 && cfgZones[0] === zone) {
      // FOS deletes a configuration whose last zone is removed, and enabling it then fails.
      const disableFirst = zoning.effective.cfg !== undefined;
      return {
        disableFirst,
        edits: [
          brocadeCommand('cfgDelete', { cfg: this.cfg }),
          brocadeCommand('zoneDelete', { zone }),
        ],
        close: 'save',
      };
    }
    const edits = [
      ...(cfgZones.includes(zone) ? [brocadeCommand('cfgRemove', { cfg: this.cfg, zone })] : []),
      brocadeCommand('zoneDelete', { zone }),
    ];
    return { disableFirst: false, edits, close: cfgZones.length > 0 ? 'enable' : 'save' };
  }

  async mask(lun: string, initiator: string): Promise<MaskResult> {
    const spec = this.lun(lun);
    const wwpn = fcInitiator(initiator);
    const zone = zoneNameOf(this.options.array, spec.id);
    return this.serialized(async () => {
      const zoning = await this.read();
      const holdersBefore = this.effectiveHolders(zoning, zone);
      const defined = this.definedHolders(zoning, zone);
      // A holder only in the defined database becomes effective with our enable: it counts.
      const others = [...new Set([...holdersBefore, ...defined])]
        .filter((h) => !this.sameMachine(h, wwpn))
        .sort();
      checkMask(this.device, spec.id, spec.shared, others, wwpn);
      const already = holdersBefore.includes(wwpn) && defined.includes(wwpn);
      if (already) return { already: true, holdersBefore };
      await this.commit(`zone ${spec.id} to ${wwpn}`, this.maskPlan(zoning, zone, wwpn));
      await this.readBack(zone, wwpn, true);
      return { already: false, holdersBefore };
    });
  }

  async unmask(lun: string, initiator: string): Promise<MaskResult> {
    const spec = this.lun(lun);
    const wwpn = fcInitiator(initiator);
    const zone = zoneNameOf(this.options.array, spec.id);
    return this.serialized(async () => {
      const zoning = await this.read();
      const holdersBefore = this.effectiveHolders(zoning, zone);
      const inDefined = (zoning.defined.zones.get(zone) ?? []).includes(wwpn);
      if (!holdersBefore.includes(wwpn) && !inDefined) return { already: true, holdersBefore };
      await this.commit(`unzone ${spec.id} from ${wwpn}`, this.unmaskPlan(zoning, zone, wwpn));
      await this.readBack(zone, wwpn, false);
      return { already: false, holdersBefore };
    });
  }

  async listVisibleTo(initiator: string): Promise<readonly string[]> {
    const wwpn = fcInitiator(initiator);
    const zoning = await this.serialized(() => this.read());
    return [...this.luns.keys()]
      .filter((id) =>
        this.effectiveHolders(zoning, zoneNameOf(this.options.array, id)).includes(wwpn),
      )
      .sort();
  }

  async listHolders(lun: string): Promise<readonly string[]> {
    const zone = zoneNameOf(this.options.array, this.lun(lun).id);
    return this.effectiveHolders(await this.serialized(() => this.read()), zone);
  }

  async close(): Promise<void> {
    const { shell, session } = this;
    this.shell = undefined;
    this.session = undefined;
    await shell?.close().catch(() => undefined);
    await session?.close().catch(() => undefined);
  }
}
