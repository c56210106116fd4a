import { z } from 'zod';
import { ValidationError } from '../../common/errors';
import { parseOrThrow } from '../../common/validate';
import type { Switch } from '../../inventory/topology-schema';
import type { SshConnector, SshTarget } from '../ssh/ssh-transport';
import { BatchingQueue } from './batching-queue';
import { templatesUse } from './command-template';
import {
  canonicalState,
  planPortChange,
  type PortTarget,
  type StateTransform,
} from './port-change-plan';
import { describeState, normalizeState, sameState, type PortVlanState } from './port-vlan-state';
import {
  CommandRejectedError,
  ConfigurationBusyError,
  SwitchDriverClosedError,
  UnexpectedOutputError,
  VerificationMismatchError,
} from './switch-errors';
import type { PortChangeResult, SwitchDriver, SwitchDriverStats } from './switch-driver';
import { checkDesiredState, checkPort, checkVlan, checkVlans } from './switch-parameters';
import { SwitchSession } from './switch-session';
import { SWITCH_VENDORS } from './switch-vendors';
import type { VendorProfile } from './vendor-profile';

const switchDriverOptionsSchema = z.strictObject({
  /** Overrides the topology's sessionLimit. */
  sessionLimit: z.number().int().min(1).max(16).optional(),
  maxBatch: z.number().int().min(1).max(1_000).default(64),
  commandTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /**
   * A commit (Junos, NVUE) may take far longer than a command: netmiko's Junos commit waits 120 s.
   */
  commitTimeoutMs: z.number().int().min(100).max(1_800_000).default(120_000),
  /**
   * How long a configuration held by another user is waited for (networking-generic-switch: 60 s).
   */
  busyWaitMs: z.number().int().min(0).max(1_800_000).default(60_000),
  /** The first pause before trying a held configuration again; it doubles, up to 8×. */
  busyRetryMs: z.number().int().min(10).max(60_000).default(1_000),
  /**
   * Environment for exec vendors' commands (e.g. OVS_RUNDIR for an Open vSwitch outside
   * /var/run/openvswitch).
   */
  execEnv: z
    .record(
      z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'must be an environment variable name'),
      z.string().regex(/^[A-Za-z0-9/._:-]{1,255}$/, 'must be a path-like value'),
    )
    .default({}),
});
export type SwitchDriverOptions = z.input<typeof switchDriverOptionsSchema>;

type Op =
  | {
      readonly kind: 'read';
      readonly port: string;
      readonly resolve: (s: PortVlanState) => void;
      readonly reject: (e: unknown) => void;
    }
  | {
      readonly kind: 'change';
      readonly port: string;
      readonly transform: StateTransform;
      readonly resolve: (r: PortChangeResult) => void;
      readonly reject: (e: unknown) => void;
    }
  | { readonly kind: 'save'; readonly resolve: () => void; readonly reject: (e: unknown) => void };

const ALL_VLANS: readonly number[] = Array.from({ length: 4094 }, (_, i) => i + 1);

/** The state with `mode` configured rather than left to the device default. */
function explicitMode(cur: PortVlanState, mode: PortVlanState['mode']): PortVlanState {
  const { defaultMode: _unset, ...rest } = cur;
  return { ...rest, mode };
}

/** Errors that concern one operation; anything else means the session itself broke. */
function isOperationError(e: unknown): boolean {
  return (
    e instanceof CommandRejectedError ||
    e instanceof ConfigurationBusyError ||
    e instanceof VerificationMismatchError ||
    e instanceof UnexpectedOutputError ||
    e instanceof ValidationError
  );
}

/**
 * The SwitchDriver of every vendor: SSH sessions through a connector, vendor syntax from
 * SWITCH_VENDORS.
 */
export class SshSwitchDriver implements SwitchDriver {
  readonly switchId: string;
  private readonly vendor: VendorProfile;
  private readonly target: SshTarget;
  private readonly options: z.output<typeof switchDriverOptionsSchema>;
  private readonly queue: BatchingQueue<Op>;
  private closed = false;
  private counters = { sessionsOpened: 0, batches: 0, largestBatch: 0 };

  constructor(
    private readonly sw: Switch,
    private readonly connector: SshConnector,
    options: SwitchDriverOptions = {},
  ) {
    this.switchId = sw.id;
    this.vendor = SWITCH_VENDORS[sw.vendor];
    this.options = Object.freeze(
      parseOrThrow(`switch ${sw.id} driver options`, switchDriverOptionsSchema, options),
    );
    this.target = {
      deviceId: sw.id,
      host: sw.address,
      port: sw.port,
      hostKeyFingerprint: sw.hostKeyFingerprint,
      credential: sw.credential,
    };
    this.validate();
    this.queue = new BatchingQueue<Op>({
      limit: this.options.sessionLimit ?? sw.sessionLimit,
      maxBatch: this.options.maxBatch,
      key: (op) => (op.kind === 'save' ? '\0save' : op.port),
      run: (batch) => this.runBatch(batch),
    });
  }

  validate(): void {
    if (this.vendor === undefined)
      throw new ValidationError(`switch ${this.sw.id}`, [
        { path: 'vendor', message: `unknown vendor ${String(this.sw.vendor)}` },
      ]);
    if (templatesUse(this.vendor, 'bridge') && this.sw.bridge === undefined) {
      throw new ValidationError(`switch ${this.sw.id}`, [
        {
          path: 'bridge',
          message: `a ${this.sw.vendor} switch needs the bridge whose ports it manages`,
        },
      ]);
    }
  }

  checkPort(port: string, desired?: PortVlanState): void {
    checkPort(this.vendor, port);
    if (desired !== undefined)
      checkDesiredState(
        this.vendor,
        { ...desired, shutdown: desired.shutdown ?? false },
        'desired',
      );
  }

  readPort(port: string): Promise<PortVlanState> {
    checkPort(this.vendor, port);
    return this.enqueue<PortVlanState>((resolve, reject) => ({
      kind: 'read',
      port,
      resolve,
      reject,
    }));
  }

  configurePort(port: string, desired: PortVlanState): Promise<PortChangeResult> {
    this.checkPort(port, desired);
    const state = normalizeState({ ...desired, shutdown: desired.shutdown ?? false });
    return this.change(port, () => state);
  }

  setAccessVlan(port: string, vlan: number): Promise<PortChangeResult> {
    checkPort(this.vendor, port);
    checkVlan(vlan);
    return this.change(port, (cur) => ({ ...explicitMode(cur, 'access'), accessVlan: vlan }));
  }

  setTrunkVlans(port: string, vlans: readonly number[]): Promise<PortChangeResult> {
    checkPort(this.vendor, port);
    const list = checkVlans(vlans);
    checkDesiredState(this.vendor, { mode: 'trunk', trunkVlans: list, shutdown: false }, 'desired');
    return this.change(port, (cur) => ({ ...explicitMode(cur, 'trunk'), trunkVlans: list }));
  }

  addTrunkVlan(port: string, vlan: number): Promise<PortChangeResult> {
    checkPort(this.vendor, port);
    checkVlan(vlan);
    return this.change(port, (cur) => {
      // An access port becomes a trunk of just this VLAN, never of whatever list lingers on it.
      if (cur.mode !== 'trunk') return { ...explicitMode(cur, 'trunk'), trunkVlans: [vlan] };
      const list = this.effectiveTrunk(cur);
      return list.includes(vlan) ? cur : { ...cur, trunkVlans: [...list, vlan] };
    });
  }

  removeTrunkVlan(port: string, vlan: number): Promise<PortChangeResult> {
    checkPort(this.vendor, port);
    checkVlan(vlan);
    return this.change(port, (cur) => {
      const list = this.effectiveTrunk(cur);
      return cur.mode !== 'trunk' || !list.includes(vlan)
        ? cur
        : { ...cur, trunkVlans: list.filter((v) => v !== vlan) };
    });
  }

  shutdown(port: string): Promise<PortChangeResult> {
    checkPort(this.vendor, port);
    return this.change(port, (cur) => ({ ...cur, shutdown: true }));
  }

  noShutdown(port: string): Promise<PortChangeResult> {
    checkPort(this.vendor, port);
    return this.change(port, (cur) => ({ ...cur, shutdown: false }));
  }

  saveConfig(): Promise<void> {
    return this.enqueue<void>((resolve, reject) => ({ kind: 'save', resolve, reject }));
  }

  pending(): number {
    return this.queue.waiting + this.queue.active;
  }

  stats(): SwitchDriverStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const op of this.queue.drain()) op.reject(new SwitchDriverClosedError(this.switchId));
    await this.queue.idle();
  }

  /** On IOS-like vendors a trunk without an allowed list carries every VLAN. */
  private effectiveTrunk(cur: PortVlanState): readonly number[] {
    return cur.trunkVlans ?? (this.vendor.vlanModel.kind === 'independent' ? ALL_VLANS : []);
  }

  private change(port: string, transform: StateTransform): Promise<PortChangeResult> {
    return this.enqueue<PortChangeResult>((resolve, reject) => ({
      kind: 'change',
      port,
      transform,
      resolve,
      reject,
    }));
  }

  private enqueue<T>(
    make: (resolve: (v: T) => void, reject: (e: unknown) => void) => Op,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new SwitchDriverClosedError(this.switchId));
    return new Promise<T>((resolve, reject) => this.queue.push(make(resolve, reject)));
  }

  private portTarget(port: string): PortTarget {
    return { port, ...(this.sw.bridge !== undefined && { bridge: this.sw.bridge }) };
  }

  private async runBatch(batch: Op[]): Promise<Op[]> {
    this.counters.batches += 1;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    let session: SwitchSession;
    try {
      session = await SwitchSession.open(this.connector, this.target, this.vendor, {
        commandTimeoutMs: this.options.commandTimeoutMs,
        commitTimeoutMs: this.options.commitTimeoutMs,
        busyWaitMs: this.options.busyWaitMs,
        busyRetryMs: this.options.busyRetryMs,
        execEnv: Object.entries(this.options.execEnv).map(([k, v]) => `${k}=${v}`),
      });
      this.counters.sessionsOpened += 1;
    } catch (e) {
      for (const op of batch) op.reject(e);
      return [];
    }
    try {
      let changedSinceSave = true;
      for (let i = 0; i < batch.length; i += 1) {
        const op = batch[i] as Op;
        try {
          if (op.kind === 'read') op.resolve(await session.readPort(this.portTarget(op.port)));
          else if (op.kind === 'save') {
            // Saves that queued together are one save.
            if (changedSinceSave) await session.save();
            changedSinceSave = false;
            op.resolve();
          } else {
            const result = await this.runChange(session, op.port, op.transform);
            changedSinceSave ||= result.changed;
            op.resolve(result);
          }
        } catch (e) {
          op.reject(e);
          // The session broke: what has not started yet goes out in the next session.
          if (!isOperationError(e))
            return this.closed ? this.rejectAll(batch.slice(i + 1)) : batch.slice(i + 1);
        }
      }
      return [];
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  private rejectAll(ops: Op[]): Op[] {
    for (const op of ops) op.reject(new SwitchDriverClosedError(this.switchId));
    return [];
  }

  private async runChange(
    session: SwitchSession,
    port: string,
    transform: StateTransform,
  ): Promise<PortChangeResult> {
    const target = this.portTarget(port);
    const before = await session.readPort(target);
    const desired = canonicalState(
      this.vendor,
      normalizeState(checkDesiredState(this.vendor, transform(before), 'desired')),
    );
    const names = session.vlanNames;
    const plan = planPortChange(
      this.vendor,
      { ...target, ...(names !== undefined && { vlanNames: names }) },
      before,
      desired,
    );
    if (plan.length === 0)
      return { switchId: this.switchId, port, before, after: before, changed: false };
    await session.apply(plan);
    const after = await session.readPort(target);
    if (!sameState(canonicalState(this.vendor, after), desired))
      throw new VerificationMismatchError(
        this.switchId,
        port,
        describeState(desired),
        describeState(after),
      );
    return { switchId: this.switchId, port, before, after, changed: true };
  }
}
