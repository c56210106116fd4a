import { accessSync, constants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import type { SecretStore } from '../../common/secrets';
import { bmcSchema, type Machine, type RedfishBmc } from '../../inventory/topology-schema';
import type {
  BootDeviceRequest,
  BootDeviceState,
  PowerAction,
  PowerActionResult,
  PowerDriver,
  PowerState,
} from './power-driver';
import { BmcProtocolError, UnsupportedActionError } from './power-errors';
import { BOOT_TARGETS, bootPatch, bootState } from './redfish-boot';
import { RedfishHttp, type BmcContext, type RedfishResponse } from './redfish-http';
import { candidateResetTypes, isAlreadyDone, reportedPowerState, resetPlan } from './redfish-reset';
import { ifMatchFallbacks, ifMatchHeader, usableEtag } from './redfish-etag';
import {
  actionInfoSchema,
  collectionSchema,
  computerSystemSchema,
  settingsObjectSchema,
  type ComputerSystem,
  type RedfishBoot,
  type ResetAction,
} from './redfish-schemas';
import { RedfishSession, type BusyPolicy } from './redfish-session';
import { waitForTask } from './redfish-task';
import { SharedPromise } from './shared-promise';

export interface RedfishPowerDriverOptions {
  readonly machine: Machine;
  readonly secrets: SecretStore;
  /**
   * Longest wait for one BMC answer, and for a task or a power transition to finish (default 30 s).
   */
  readonly timeoutMs?: number;
  /** Pause between two polls of a task monitor or of PowerState (default 1 s). */
  readonly pollIntervalMs?: number;
  /** How long to keep asking a BMC that answers busy (default DEFAULT_BUSY_POLICY). */
  readonly busyPolicy?: BusyPolicy;
}

interface SystemRead {
  readonly system: ComputerSystem;
  readonly etag: string | undefined;
}

interface BootWrite {
  readonly path: string;
  readonly patch: unknown;
  readonly etag: string | undefined;
}

const SYSTEMS = '/redfish/v1/Systems';
const DONE = [200, 204];
/** Statuses with which a BMC says it will not do what was asked, as opposed to failing at it. */
const REFUSED = [400, 405, 501];

/**
 * Power and boot-device control of one machine through its Redfish BMC: a session (or HTTP
 * Basic where the service has no SessionService), ComputerSystem.Reset chosen from the
 * ResetTypes the BMC allows, 202 task monitors followed to the end, and the Boot override
 * PATCHed with the system's ETag. Idempotent like IPMI: "on" on a machine that is on sends
 * nothing and says so.
 */
export class RedfishPowerDriver implements PowerDriver {
  private readonly machine: Machine;
  private readonly bmc: RedfishBmc;
  private readonly ctx: BmcContext;
  private readonly http: RedfishHttp;
  private readonly session: RedfishSession;
  private readonly timeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly systemPath = new SharedPromise<string>();

  constructor(options: RedfishPowerDriverOptions) {
    const { machine } = options;
    if (machine.bmc.driver !== 'redfish') {
      throw new ValidationError(`machine ${machine.id}`, [
        {
          path: 'bmc.driver',
          message: `is ${machine.bmc.driver}; the Redfish driver needs redfish`,
        },
      ]);
    }
    this.machine = machine;
    this.bmc = machine.bmc;
    this.ctx = { machineId: machine.id, bmcAddress: `${this.bmc.address}:${this.bmc.port}` };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.http = new RedfishHttp(this.ctx, this.bmc, this.timeoutMs);
    this.session = new RedfishSession(
      this.http,
      this.bmc.credential,
      options.secrets,
      options.busyPolicy,
    );
  }

  validate(): void {
    const what = `machine ${this.machine.id}`;
    const parsed = bmcSchema.safeParse(this.bmc);
    if (!parsed.success) throw new ValidationError(what, fieldIssues(parsed.error, ['bmc']));
    if (this.bmc.scheme === 'http' && this.bmc.tls !== undefined) {
      throw new ValidationError(what, [
        { path: 'bmc.tls', message: 'tls conflicts with scheme http: use https or drop tls' },
      ]);
    }
    const caFile = this.bmc.tls?.caFile;
    if (caFile === undefined) return;
    try {
      accessSync(caFile, constants.R_OK);
    } catch (e) {
      throw new ValidationError(what, [
        {
          path: 'bmc.tls.caFile',
          message: `cannot read ${caFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        },
      ]);
    }
  }

  async powerState(): Promise<PowerState> {
    return this.powerOf((await this.readSystem()).system).state;
  }

  async power(action: PowerAction): Promise<PowerActionResult> {
    const { system } = await this.readSystem();
    const before = this.powerOf(system);
    if (isAlreadyDone(action, before.redfish))
      return { action, already: true, stateAfter: before.state };
    const reset = system.Actions?.['#ComputerSystem.Reset'];
    if (reset === undefined)
      throw new UnsupportedActionError(
        this.ctx,
        action,
        'the system has no ComputerSystem.Reset action',
      );
    const allowed = await this.allowedResetTypes(reset);
    // Many BMCs ignore ForceRestart and PowerCycle on a system that is off: a cycle of a
    // machine that is off is a power-on, as with IPMI.
    const effective = action === 'cycle' && before.state === 'off' ? 'on' : action;
    const plan = resetPlan(effective, allowed);
    if (plan === undefined) {
      throw new UnsupportedActionError(
        this.ctx,
        action,
        `the BMC allows ResetType ${allowed?.join(', ') ?? '(none)'}, none of ${candidateResetTypes(effective).join(', ')}`,
      );
    }
    // The only plan of several steps powers off first; the next step must wait until the
    // off has taken effect or the BMC would ignore it.
    const target = this.http.path(reset.target);
    for (const [i, resetType] of plan.entries()) {
      if (i > 0) await this.waitForPowerState('off');
      await this.reset(action, target, resetType);
    }
    return { action, already: false, stateAfter: await this.powerState() };
  }

  /**
   * PATCHes the override where the BMC takes it (the system, or its `@Redfish.Settings`
   * object, pending until the next reset) with If-Match from the resource just read. A 412
   * means the resource changed since: it is read again and the PATCH rebuilt once; a second
   * 412 gets sushy's fallbacks (weak tag as strong, then no If-Match). Reads back from where
   * it wrote, so a pending override reads as what the next boot will use.
   */
  async setBootDevice(request: BootDeviceRequest): Promise<BootDeviceState> {
    const what = `boot device ${request.device}${request.uefi ? ' (UEFI)' : ''}`;
    let write = await this.bootWrite(what, request);
    let res = await this.session.send('PATCH', write.path, {
      json: write.patch,
      ...ifMatchHeader(write.etag),
    });
    if (res.status === 412) {
      write = await this.bootWrite(what, request);
      res = await this.session.send('PATCH', write.path, {
        json: write.patch,
        ...ifMatchHeader(write.etag),
      });
      for (const fallback of ifMatchFallbacks(write.etag)) {
        if (res.status !== 412) break;
        res = await this.session.send('PATCH', write.path, {
          json: write.patch,
          ...ifMatchHeader(fallback),
        });
      }
    }
    await this.finish(what, res);
    const state = bootState((await this.readBoot(write.path)).boot);
    if (state.device !== request.device) {
      throw new BmcProtocolError(
        this.ctx,
        `boot override reads back ${state.device} after ${request.device === 'none' ? 'Disabled' : BOOT_TARGETS[request.device]} was set`,
      );
    }
    return state;
  }

  /** Where and what to PATCH for `request`, checked against what the system allows. */
  private async bootWrite(what: string, request: BootDeviceRequest): Promise<BootWrite> {
    const { system, etag } = await this.readSystem();
    const boot = system.Boot;
    if (boot === undefined)
      throw new UnsupportedActionError(this.ctx, what, 'the system has no Boot object');
    const allowed = boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
    if (
      request.device !== 'none' &&
      allowed !== undefined &&
      !allowed.includes(BOOT_TARGETS[request.device])
    ) {
      throw new UnsupportedActionError(
        this.ctx,
        what,
        `the BMC allows BootSourceOverrideTarget ${allowed.join(', ')}`,
      );
    }
    const withMode = boot.BootSourceOverrideMode !== undefined;
    if (request.uefi && !withMode)
      throw new UnsupportedActionError(this.ctx, what, 'the system has no BootSourceOverrideMode');
    const settingsUri = system['@Redfish.Settings']?.SettingsObject?.['@odata.id'];
    // As sushy does: the settings object takes the override only if it carries the Boot properties.
    if (settingsUri !== undefined) {
      const pending = await this.readBoot(this.http.path(settingsUri));
      if (pending.boot?.BootSourceOverrideTarget !== undefined) {
        return {
          path: pending.path,
          patch: bootPatch(request, pending.boot, withMode),
          etag: pending.etag,
        };
      }
    }
    return { path: await this.getSystemPath(), patch: bootPatch(request, boot, withMode), etag };
  }

  /** The Boot object and ETag of the system or of its settings object. */
  private async readBoot(path: string): Promise<{
    readonly path: string;
    readonly boot: RedfishBoot | undefined;
    readonly etag: string | undefined;
  }> {
    const res = await this.session.send('GET', path);
    const parsed = settingsObjectSchema.safeParse(res.body);
    if (res.status !== 200 || !parsed.success)
      throw new BmcProtocolError(this.ctx, `boot settings ${path}: ${this.http.describe(res)}`);
    return {
      path,
      boot: parsed.data.Boot,
      etag: usableEtag(res.headers.etag, parsed.data['@odata.etag']),
    };
  }

  async bootDevice(): Promise<BootDeviceState> {
    return bootState((await this.readSystem()).system.Boot);
  }

  async close(): Promise<void> {
    await this.session.logout();
    await this.http.close();
  }

  private getSystemPath(): Promise<string> {
    return this.systemPath.get(async () => {
      if (this.bmc.systemId !== undefined) return `${SYSTEMS}/${this.bmc.systemId}`;
      const root = await this.session.root();
      const collection = root.Systems?.['@odata.id'] ?? SYSTEMS;
      const res = await this.session.send('GET', collection);
      const parsed = collectionSchema.safeParse(res.body);
      if (res.status !== 200 || !parsed.success)
        throw new BmcProtocolError(
          this.ctx,
          `systems collection ${collection}: ${this.http.describe(res)}`,
        );
      const members = parsed.data.Members.map((m) => this.http.path(m['@odata.id']));
      const only = members[0];
      if (members.length === 1 && only !== undefined) return only;
      throw new ValidationError(`machine ${this.machine.id}`, [
        {
          path: 'bmc.systemId',
          message: `the BMC manages ${members.length} systems (${members.join(', ') || 'none'}); name one`,
        },
      ]);
    });
  }

  private async readSystem(): Promise<SystemRead> {
    const path = await this.getSystemPath();
    const res = await this.session.send('GET', path);
    if (res.status === 404 && this.bmc.systemId !== undefined) {
      throw new ValidationError(`machine ${this.machine.id}`, [
        { path: 'bmc.systemId', message: `the BMC has no system ${path}` },
      ]);
    }
    const parsed = computerSystemSchema.safeParse(res.body);
    if (res.status !== 200 || !parsed.success)
      throw new BmcProtocolError(this.ctx, `system ${path}: ${this.http.describe(res)}`);
    return { system: parsed.data, etag: usableEtag(res.headers.etag, parsed.data['@odata.etag']) };
  }

  private powerOf(system: ComputerSystem): {
    readonly redfish: string;
    readonly state: PowerState;
  } {
    const redfish = system.PowerState ?? null;
    const state = redfish === null ? undefined : reportedPowerState(redfish);
    if (redfish === null || state === undefined)
      throw new BmcProtocolError(this.ctx, `unknown PowerState ${JSON.stringify(redfish)}`);
    return { redfish, state };
  }

  private async allowedResetTypes(reset: ResetAction): Promise<readonly string[] | undefined> {
    const listed = reset['ResetType@Redfish.AllowableValues'];
    const info = reset['@Redfish.ActionInfo'];
    if (listed !== undefined || info === undefined) return listed;
    const res = await this.session.send('GET', info);
    const parsed = actionInfoSchema.safeParse(res.body);
    if (res.status !== 200 || !parsed.success)
      throw new BmcProtocolError(this.ctx, `reset ActionInfo ${info}: ${this.http.describe(res)}`);
    return parsed.data.Parameters.find((p) => p.Name === 'ResetType')?.AllowableValues;
  }

  private async reset(action: PowerAction, target: string, resetType: string): Promise<void> {
    const res = await this.session.send('POST', target, { json: { ResetType: resetType } });
    await this.finish(`${action} (ResetType ${resetType})`, res);
  }

  /** A write's answer: done, refused, failed, or a task to follow to its end. */
  private async finish(what: string, res: RedfishResponse): Promise<void> {
    if (DONE.includes(res.status)) return;
    if (REFUSED.includes(res.status))
      throw new UnsupportedActionError(this.ctx, what, this.http.describe(res));
    if (res.status !== 202)
      throw new BmcProtocolError(this.ctx, `${what}: ${this.http.describe(res)}`);
    const monitor =
      res.headers.location ?? (res.body as { '@odata.id'?: unknown } | undefined)?.['@odata.id'];
    if (typeof monitor !== 'string')
      throw new BmcProtocolError(this.ctx, `${what}: 202 Accepted without a task monitor`);
    const path = this.http.path(monitor);
    const outcome = await waitForTask(() => this.session.send('GET', path), {
      timeoutMs: this.timeoutMs,
      pollIntervalMs: this.pollIntervalMs,
    });
    if (outcome.kind === 'timeout')
      throw new BmcProtocolError(
        this.ctx,
        `${what}: task ${path} did not finish within ${this.timeoutMs} ms`,
      );
    if (outcome.kind === 'failed')
      throw new BmcProtocolError(this.ctx, `${what}: ${this.http.redact(outcome.detail)}`);
  }

  private async waitForPowerState(wanted: PowerState): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while ((await this.powerState()) !== wanted) {
      if (Date.now() + this.pollIntervalMs > deadline) {
        throw new BmcProtocolError(
          this.ctx,
          `power did not turn ${wanted} within ${this.timeoutMs} ms`,
        );
      }
      await sleep(this.pollIntervalMs);
    }
  }
}
