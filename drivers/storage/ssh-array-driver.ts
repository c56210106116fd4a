import { dirname } from 'node:path';
import { NotFoundError, ValidationError, type FieldIssue } from '../../common/errors';
import type { Lun, Replication, StorageArray } from '../../inventory/topology-schema';
import type { SshConnector, SshSession, SshTarget } from '../ssh/ssh-transport';
import type {
  ArrayCommand,
  ArrayDialect,
  ArrayState,
  LunSpec,
  ProvisionedLun,
} from './array-dialect';
import type { ChapAccount } from './chap-account';
import { BACKING_PATH_PATTERN, fillTemplate, matchError } from './command-template';
import { DRBD_ERROR_PATTERNS, DRBDADM_TEMPLATES, parseDrbdStatus } from './drbd-commands';
import type { MaskResult, StorageArrayDriver } from './lun-access-driver';
import { lunTargetIqn } from './lun-target';
import type { ArrayReplicationDriver, ReplicaSnapshot, ReplicaStatus } from './replication-driver';
import { checkMask, iscsiInitiator, lunId as checkedLunId } from './masking-guard';
import {
  LunInUseError,
  LunNotProvisionedError,
  NotReplicatedError,
  ReplicaReadOnlyError,
  ReplicaSnapshotRefusedError,
  StorageCommandError,
  StorageProtocolError,
  UnsupportedStorageOperationError,
} from './storage-errors';

export interface SshArrayDriverOptions {
  readonly array: StorageArray;
  readonly connector: SshConnector;
  readonly dialect: ArrayDialect;
  /** Where backing files of LUNs without `backing` live on the array. */
  readonly backingDir?: string;
  readonly commandTimeoutMs?: number;
  /**
   * The CHAP account a LUN's target must demand, resolved when a command is built (from the
   * credential store, at activity time); undefined for a LUN without one.
   */
  readonly chapFor?: (lunId: string) => ChapAccount | undefined;
  /**
   * The topology's replications; those naming this array's LUNs make them DRBD resources, named
   * by their source LUN's id on both arrays.
   */
  readonly replication?: readonly Replication[];
}

export const DEFAULT_BACKING_DIR = '/var/lib/rackshift/luns';

/** DRBD disk states whose lower device holds a usable data point to snapshot. */
const SNAPSHOT_DISKS: readonly string[] = ['UpToDate', 'Consistent'];

/**
 * An iSCSI array driven over SSH. The flow is the same for every kind: read the array,
 * check the safety invariant against what it says, run the dialect's commands, read back.
 * Changes are serialized per array in this process, so two masks of one LUN cannot race past the
 * check.
 */
/** Array address → the tail of its change queue in this process. */
const ARRAY_QUEUES = new Map<string, Promise<unknown>>();

export class SshArrayDriver implements StorageArrayDriver, ArrayReplicationDriver {
  private session: Promise<SshSession> | undefined;
  private readonly luns: ReadonlyMap<string, Lun>;
  private readonly backingDir: string;
  private persistenceChecked = false;

  constructor(private readonly options: SshArrayDriverOptions) {
    this.luns = new Map(options.array.luns.map((l) => [l.id, l]));
    this.backingDir = options.backingDir ?? DEFAULT_BACKING_DIR;
  }

  private get device(): string {
    return this.options.array.id;
  }

  validate(): void {
    const { array } = this.options;
    const issues: FieldIssue[] = [];
    if (array.kind !== this.options.dialect.kind)
      issues.push({
        path: 'kind',
        message: `array is ${array.kind} but the driver speaks ${this.options.dialect.kind}`,
      });
    if (!BACKING_PATH_PATTERN.test(`${this.backingDir}/x`))
      issues.push({ path: 'backingDir', message: 'must be an absolute path without ".."' });
    array.luns.forEach((l, i) => {
      if (l.backing !== undefined && !BACKING_PATH_PATTERN.test(l.backing))
        issues.push({
          path: `luns[${i}].backing`,
          message: 'must be an absolute path without ".."',
        });
      try {
        lunTargetIqn(array.targetIqn, l.id);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        issues.push(
          ...e.issues.map((issue) => ({ path: `luns[${i}].id`, message: issue.message })),
        );
      }
    });
    if (issues.length > 0) throw new ValidationError(`array ${array.id}`, issues);
  }

  private target(): SshTarget {
    const a = this.options.array;
    return {
      deviceId: a.id,
      host: a.address,
      port: a.port,
      hostKeyFingerprint: a.hostKeyFingerprint,
      credential: a.credential,
    };
  }

  private async run(operation: string, step: ArrayCommand): Promise<string> {
    const command = typeof step === 'string' ? step : step.command;
    if (this.session === undefined) this.session = this.options.connector.connect(this.target());
    let session: SshSession;
    try {
      session = await this.session;
    } catch (e) {
      this.session = undefined;
      throw e;
    }
    const r = await session.exec(command, {
      ...(this.options.commandTimeoutMs !== undefined && {
        timeoutMs: this.options.commandTimeoutMs,
      }),
      ...(typeof step !== 'string' && { stdin: step.stdin }),
    });
    const output = `${r.stdout}\n${r.stderr}`;
    const patterns = command.startsWith('drbdadm ')
      ? DRBD_ERROR_PATTERNS
      : this.options.dialect.errorPatterns;
    const error = matchError(patterns, output);
    if (error !== undefined)
      throw new StorageCommandError(this.device, operation, error.line, error.retryable);
    if (r.code !== 0)
      throw new StorageCommandError(
        this.device,
        operation,
        `exit ${r.code ?? 'signal'}: ${r.stderr.trim().split('\n')[0] ?? ''}`,
        false,
      );
    return r.stdout;
  }

  private async runAll(operation: string, commands: readonly ArrayCommand[]): Promise<void> {
    if (commands.length > 0) await this.checkPersistence(operation);
    for (const c of commands) await this.run(operation, c);
  }

  /**
   * The dialect's persistence check, once per driver (an array's configuration does not change
   * under a runbook).
   */
  private async checkPersistence(operation: string): Promise<void> {
    const check = this.options.dialect.persistenceCheck;
    if (check === undefined || this.persistenceChecked) return;
    const refusal = check.refusal(await this.run(operation, check.command));
    if (refusal !== undefined)
      throw new UnsupportedStorageOperationError(this.device, operation, refusal);
    this.persistenceChecked = true;
  }

  private async read(): Promise<ArrayState> {
    return this.options.dialect.parseState(
      await this.run('read state', this.options.dialect.readCommand),
      this.options.array.targetIqn,
    );
  }

  /**
   * One queue per array in this process, shared by every driver instance (each activity makes
   * its own): a check-then-change (the one-holder check, the free target id a new LUN takes)
   * never races another activity's on the same array.
   */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const key = `${this.options.array.address}:${this.options.array.port}`;
    const previous = ARRAY_QUEUES.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    ARRAY_QUEUES.set(key, settled);
    void settled.then(() => {
      if (ARRAY_QUEUES.get(key) === settled) ARRAY_QUEUES.delete(key);
    });
    return next;
  }

  private spec(id: string, backing?: string): LunSpec {
    const lun = this.luns.get(id);
    // Drill clones (not topology LUNs) have no CHAP binding: see docs/security.md.
    const chap = lun === undefined ? undefined : this.chapFor(id);
    return {
      lunId: id,
      targetIqn: lunTargetIqn(this.options.array.targetIqn, id),
      backing: backing ?? lun?.backing ?? `${this.backingDir}/${id}.img`,
      sizeGiB: lun?.sizeGiB ?? 1,
      ...(chap !== undefined && { chap }),
    };
  }

  private chapFor(id: string): ChapAccount | undefined {
    return this.options.chapFor?.(id);
  }

  private provisioned(state: ArrayState, id: string): ProvisionedLun & { backing: string } {
    const lun = state.luns.get(id);
    if (lun?.backing === undefined) throw new LunNotProvisionedError(this.device, id);
    return { ...lun, backing: lun.backing };
  }

  private async readBack(id: string, initiator: string, wantHolder: boolean): Promise<void> {
    const holders = (await this.read()).luns.get(id)?.holders ?? [];
    if (holders.includes(initiator) !== wantHolder) {
      throw new StorageProtocolError(
        this.device,
        `after ${wantHolder ? 'masking' : 'unmasking'} ${id} ${wantHolder ? 'to' : 'from'} ${initiator} the array lists holders [${holders.join(', ')}]`,
      );
    }
  }

  async ensureLun(lun: string): Promise<{ created: boolean }> {
    const id = checkedLunId(lun);
    if (!this.luns.has(id)) throw new NotFoundError(`LUN of ${this.device}`, id);
    return this.serialized(async () => {
      const commands = this.options.dialect.ensureLun(await this.read(), this.spec(id));
      await this.runAll(`ensure LUN ${id}`, commands);
      if (commands.length > 0 && (await this.read()).luns.get(id)?.backing === undefined) {
        throw new UnsupportedStorageOperationError(
          this.device,
          `ensure LUN ${id}`,
          this.options.dialect.notCreatedHint,
        );
      }
      return { created: commands.length > 0 };
    });
  }

  async mask(lun: string, initiator: string): Promise<MaskResult> {
    const id = checkedLunId(lun);
    const who = iscsiInitiator(initiator);
    return this.serialized(async () => {
      const current = this.provisioned(await this.read(), id);
      if (this.resourceOf(id) !== undefined) {
        const status = await this.status(id);
        if (status.role !== 'primary')
          throw new ReplicaReadOnlyError(this.device, id, status.peer.name);
      }
      const { already } = checkMask(
        this.device,
        id,
        this.luns.get(id)?.shared ?? false,
        current.holders,
        who,
      );
      const chap = this.chapFor(id);
      // A holder whose target lacks the LUN's CHAP binding gets it: `already` still says no ACL
      // changed.
      if (!already || this.options.dialect.chapDiffers(current, chap)) {
        await this.runAll(`mask ${id} to ${who}`, this.options.dialect.mask(current, who, chap));
        await this.readBack(id, who, true);
      }
      return { already, holdersBefore: current.holders };
    });
  }

  async unmask(lun: string, initiator: string): Promise<MaskResult> {
    const id = checkedLunId(lun);
    const who = iscsiInitiator(initiator);
    return this.serialized(async () => {
      const current = (await this.read()).luns.get(id);
      const holdersBefore = current?.holders ?? [];
      if (current === undefined || !holdersBefore.includes(who))
        return { already: true, holdersBefore };
      await this.runAll(
        `unmask ${id} from ${who}`,
        this.options.dialect.unmask(current, who, this.chapFor(id)),
      );
      await this.readBack(id, who, false);
      return { already: false, holdersBefore };
    });
  }

  async listVisibleTo(initiator: string): Promise<readonly string[]> {
    const who = iscsiInitiator(initiator);
    const state = await this.serialized(() => this.read());
    return [...state.luns.values()]
      .filter((l) => l.holders.includes(who) || l.holders.includes('ALL'))
      .map((l) => l.lunId)
      .sort();
  }

  async listHolders(lun: string): Promise<readonly string[]> {
    const id = checkedLunId(lun);
    const state = await this.serialized(() => this.read());
    return state.luns.get(id)?.holders ?? [];
  }

  async createSnapshotClone(lun: string, cloneId: string): Promise<{ created: boolean }> {
    const { id, clone } = this.cloneIds(lun, cloneId);
    return this.serialized(() => this.cloneNow(id, clone));
  }

  private cloneIds(lun: string, cloneId: string): { id: string; clone: string } {
    const id = checkedLunId(lun);
    const clone = checkedLunId(cloneId, 'cloneId');
    if (this.luns.has(clone))
      throw new ValidationError('snapshot clone', [
        { path: 'cloneId', message: `"${clone}" is a LUN of the topology, not a clone name` },
      ]);
    return { id, clone };
  }

  /** Copies `id`'s backing as LUN `clone` (inside the array's queue). */
  private async cloneNow(id: string, clone: string): Promise<{ created: boolean }> {
    const state = await this.read();
    if (state.luns.get(clone)?.backing !== undefined) return { created: false };
    const source = this.provisioned(state, id);
    if (source.backing.startsWith('/dev/'))
      throw new UnsupportedStorageOperationError(
        this.device,
        `clone ${id}`,
        `its backing ${source.backing} is a block device; clones are file copies`,
      );
    const spec = this.spec(clone, `${dirname(source.backing)}/${clone}.img`);
    const taken = [...state.luns.values()].find((l) => l.backing === spec.backing);
    if (taken !== undefined)
      throw new UnsupportedStorageOperationError(
        this.device,
        `clone ${id} as ${clone}`,
        `${spec.backing} already backs LUN ${taken.lunId}`,
      );
    await this.runAll(`clone ${id} as ${clone}`, this.options.dialect.clone(state, source, spec));
    if ((await this.read()).luns.get(clone)?.backing === undefined) {
      throw new UnsupportedStorageOperationError(
        this.device,
        `clone ${id} as ${clone}`,
        this.options.dialect.notCreatedHint,
      );
    }
    return { created: true };
  }

  async deleteSnapshotClone(cloneId: string): Promise<{ deleted: boolean }> {
    const clone = checkedLunId(cloneId, 'cloneId');
    if (this.luns.has(clone))
      throw new ValidationError('snapshot clone', [
        {
          path: 'cloneId',
          message: `"${clone}" is a LUN of the topology; only clones may be deleted`,
        },
      ]);
    return this.serialized(async () => {
      const lun = (await this.read()).luns.get(clone);
      if (lun === undefined) return { deleted: false };
      if (lun.holders.length > 0) throw new LunInUseError(this.device, clone, lun.holders);
      const backing = lun.backing;
      if (backing === undefined || !backing.endsWith(`/${clone}.img`)) {
        throw new UnsupportedStorageOperationError(
          this.device,
          `delete clone ${clone}`,
          `its backing ${backing ?? '(none)'} is not a clone file ${clone}.img`,
        );
      }
      await this.runAll(
        `delete clone ${clone}`,
        this.options.dialect.deleteClone({ ...lun, backing }),
      );
      return { deleted: true };
    });
  }

  /** The DRBD resource of a replicated LUN of this array. */
  private resourceOf(lun: string): string | undefined {
    const mine = (r: { array: string; lun: string }): boolean =>
      r.array === this.device && r.lun === lun;
    return this.options.replication?.find((r) => mine(r.source) || mine(r.replica))?.source.lun;
  }

  private replicated(lun: string): { id: string; resource: string } {
    const id = checkedLunId(lun);
    const resource = this.resourceOf(id);
    if (resource === undefined) throw new NotReplicatedError(this.device, id);
    return { id, resource };
  }

  private drbd(template: keyof typeof DRBDADM_TEMPLATES, resource: string): string {
    return fillTemplate(DRBDADM_TEMPLATES[template], { name: resource });
  }

  private async status(id: string): Promise<ReplicaStatus> {
    const resource = this.replicated(id).resource;
    const output = await this.run(`status of ${id}`, this.drbd('status', resource));
    const status = parseDrbdStatus(output, id, resource);
    if (status === undefined)
      throw new StorageProtocolError(this.device, `drbdadm status ${resource}: ${output.trim()}`);
    return status;
  }

  async replicationStatus(lun: string): Promise<ReplicaStatus> {
    const { id } = this.replicated(lun);
    return this.serialized(() => this.status(id));
  }

  async promote(lun: string, options: { force?: boolean } = {}): Promise<{ already: boolean }> {
    const { id, resource } = this.replicated(lun);
    return this.serialized(async () => {
      if ((await this.status(id)).role === 'primary') return { already: true };
      const command = this.drbd(options.force === true ? 'forcePrimary' : 'primary', resource);
      await this.run(`promote ${id}`, command);
      if ((await this.status(id)).role !== 'primary')
        throw new StorageProtocolError(this.device, `${id} is not primary after ${command}`);
      return { already: false };
    });
  }

  async demote(lun: string): Promise<{ already: boolean }> {
    const { id, resource } = this.replicated(lun);
    return this.serialized(async () => {
      if ((await this.status(id)).role === 'secondary') return { already: true };
      await this.run(`demote ${id}`, this.drbd('secondary', resource));
      return { already: false };
    });
  }

  async resync(lun: string, options: { discardLocal?: boolean } = {}): Promise<void> {
    const { id, resource } = this.replicated(lun);
    const template = options.discardLocal === true ? 'connectDiscarding' : 'connect';
    return this.serialized(async () => {
      const status = await this.status(id);
      // drbdadm refuses a second connect; a link already up has nothing to resync.
      if (status.peer.connection === 'Connected') return;
      await this.run(`resync ${id}`, this.drbd(template, resource));
    });
  }

  async snapshotReplica(lun: string, snapshotId: string): Promise<ReplicaSnapshot> {
    const { id } = this.replicated(lun);
    const { clone } = this.cloneIds(id, snapshotId);
    return this.serialized(async () => {
      const status = await this.status(id);
      if ((await this.read()).luns.get(clone)?.backing !== undefined)
        return { snapshot: clone, created: false, status };
      if (status.role === 'primary')
        throw new ReplicaSnapshotRefusedError(
          this.device,
          id,
          'this side is primary; a drill snapshots the read-only replica at the recovery site',
        );
      // The lower device of an Inconsistent (mid-resync) or Outdated replica holds no usable data
      // point, which is why DRBD's own snapshot-resync-target hooks snapshot before a resync.
      if (!SNAPSHOT_DISKS.includes(status.disk))
        throw new ReplicaSnapshotRefusedError(
          this.device,
          id,
          `its disk is ${status.disk}; only an UpToDate or Consistent replica holds a data point`,
        );
      await this.cloneNow(id, clone);
      return { snapshot: clone, created: true, status };
    });
  }

  async deleteReplicaSnapshot(snapshotId: string): Promise<{ deleted: boolean }> {
    return this.deleteSnapshotClone(snapshotId);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) await (await session.catch(() => undefined))?.close();
  }
}
