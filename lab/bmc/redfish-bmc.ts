import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Secret } from '../../common/secrets';
import type { LabBootOverride, LabMachine } from '../lab-machine';
import {
  applyBootPatch,
  bootObject,
  bootPatchSchema,
  TARGET_VALUES,
  unchangedBootProperties,
  type BootPatch,
} from './redfish-lab-boot';
import { sendRedfishError } from './redfish-messages';
import {
  etagMatches,
  REDFISH_PROFILE_NAMES,
  REDFISH_PROFILES,
  type RedfishQuirks,
} from './redfish-profiles';

/** What each ResetType does to the lab machine: the same methods the IPMI BMCs call. */
const RESETS: Readonly<Record<string, (m: LabMachine) => void>> = {
  On: (m) => m.powerOn(),
  ForceOn: (m) => m.powerOn(),
  ForceOff: (m) => m.powerOff(),
  GracefulShutdown: (m) => m.softOff(),
  ForceRestart: (m) => m.cycle('reset'),
  PowerCycle: (m) => m.cycle('cycle'),
};
const RESET_TYPES = Object.keys(RESETS) as [string, ...string[]];
/**
 * Restarts that many BMCs ignore on a system that is off (the "cycle of a machine that is
 * off").
 */
const RESTARTS = ['ForceRestart', 'PowerCycle'];
/** Resets that boot a system that is off. */
const POWERS_ON = ['On', 'ForceOn'];

export const labRedfishSettingsSchema = z.strictObject({
  /** ResetTypes the BMC advertises in AllowableValues and accepts. */
  resetTypes: z.array(z.enum(RESET_TYPES)),
  /** ResetTypes answered with 202 Accepted and a task monitor instead of 204. */
  taskResets: z.array(z.enum(RESET_TYPES)),
  /** How long a reset task runs before its monitor reports Completed. */
  taskMs: z.number().int().min(0).max(600_000),
  /** The firmware family whose quirks this BMC has (./redfish-profiles). */
  profile: z.enum(REDFISH_PROFILE_NAMES),
  /** How long the host is in POST after a power-on or reset, for profiles that are busy then. */
  postMs: z.number().int().min(0).max(600_000),
});
export type LabRedfishSettings = z.output<typeof labRedfishSettingsSchema>;

/** Like many real BMCs, some resets are asynchronous: the lab default exercises both paths. */
export const DEFAULT_REDFISH_SETTINGS: LabRedfishSettings = {
  resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'PowerCycle'],
  taskResets: ['ForceRestart', 'PowerCycle'],
  taskMs: 200,
  profile: 'default',
  postMs: 3000,
};

const loginSchema = z.looseObject({ UserName: z.string(), Password: z.string() });
const resetSchema = z.looseObject({ ResetType: z.string() });

interface LabSession {
  readonly id: string;
  readonly token: string;
  readonly username: string;
}

const ROOT = '/redfish/v1';
const SESSIONS = `${ROOT}/SessionService/Sessions`;
const MONITORS = `${ROOT}/TaskService/TaskMonitors`;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The Redfish BMC of one lab machine: the subset rackshift's driver uses (service root,
 * sessions, one ComputerSystem with PowerState, Reset and the Boot override, task monitors,
 * a Boot SettingsObject where the profile has one), acting only through the LabMachine so
 * power and boot state live in one place. It follows the quirks of its profile and refuses
 * what that firmware refuses, with Redfish error bodies.
 */
export class LabRedfishBmc {
  readonly app = express();
  readonly sessions = new Map<string, LabSession>();
  private readonly tasks = new Map<string, number>();
  settings: LabRedfishSettings = DEFAULT_REDFISH_SETTINGS;
  /** Successful logins, so tests can tell a re-login from a reused session. */
  logins = 0;
  /** Every PATCH that reached a Boot object, with the If-Match it carried (tests read it). */
  readonly bootPatches: Array<{
    readonly path: string;
    readonly ifMatch: string | undefined;
    readonly boot: unknown;
    readonly status: number;
  }> = [];
  /** The Boot override written to the SettingsObject, applied at the next reset. */
  private pending: LabBootOverride | undefined;
  private postUntil = 0;

  constructor(
    readonly machine: LabMachine,
    private readonly credential: Secret | undefined,
    readonly systemId: string,
  ) {
    const system = `${ROOT}/Systems/${systemId}`;
    const settingsPath = `${system}/Settings`;
    // Express would add its own weak ETag to every JSON answer: the profile decides ETags here.
    this.app.set('etag', false);
    this.app.use((req, _res, next) => (machine.dark ? req.socket.destroy() : next()));
    this.app.use(express.json({ limit: '16kb' }));
    this.app.get(ROOT, (_req, res) => {
      res.json({
        '@odata.id': `${ROOT}/`,
        '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
        Id: 'RootService',
        RedfishVersion: '1.15.0',
        Systems: { '@odata.id': `${ROOT}/Systems` },
        SessionService: { '@odata.id': `${ROOT}/SessionService` },
        Links: { Sessions: { '@odata.id': SESSIONS } },
      });
    });
    this.app.post(SESSIONS, (req, res) => this.login(req, res));
    this.app.use((req, res, next) => this.authenticate(req, res, next));
    this.app.get(SESSIONS, (_req, res) => {
      res.json({
        Members: [...this.sessions.values()].map((s) => ({ '@odata.id': `${SESSIONS}/${s.id}` })),
        'Members@odata.count': this.sessions.size,
      });
    });
    this.app.delete(`${SESSIONS}/:id`, (req, res) => {
      const found = [...this.sessions.values()].find((s) => s.id === req.params.id);
      if (found === undefined) return this.error(res, 404, 'ResourceMissingAtURI', [req.path]);
      this.sessions.delete(found.token);
      res.status(204).end();
    });
    this.app.get(`${ROOT}/Systems`, (_req, res) => {
      res.json({ Members: [{ '@odata.id': system }], 'Members@odata.count': 1 });
    });
    this.app.use(system, (_req, res, next) => this.refuseDuringPost(res, next));
    this.app.get(system, (_req, res) => {
      this.withEtag(res, this.machine.bootOverride).json(this.systemResource(system, settingsPath));
    });
    this.app.patch(system, (req, res) => this.patchSystem(req, res));
    this.app.get(settingsPath, (req, res, next) =>
      this.quirks.bootSettings ? this.getSettings(res, settingsPath) : next(),
    );
    this.app.patch(settingsPath, (req, res, next) =>
      this.quirks.bootSettings ? this.patchSettings(req, res) : next(),
    );
    this.app.post(`${system}/Actions/ComputerSystem.Reset`, (req, res) => this.reset(req, res));
    this.app.get(`${MONITORS}/:id`, (req, res) => this.monitor(req.params.id as string, res));
    this.app.use((req, res) => this.error(res, 404, 'ResourceMissingAtURI', [req.path]));
    this.app.use(
      (
        e: { type?: string; message?: string },
        _req: Request,
        res: Response,
        _next: NextFunction,
      ) => {
        if (e.type === 'entity.parse.failed') this.error(res, 400, 'MalformedJSON');
        else this.error(res, 500, 'InternalError');
      },
    );
  }

  get quirks(): RedfishQuirks {
    return REDFISH_PROFILES[this.settings.profile];
  }

  /** Ends every session, as a BMC does when they time out or it reboots. */
  expireSessions(): void {
    this.sessions.clear();
  }

  describe(): unknown {
    return {
      system: this.systemId,
      sessions: this.sessions.size,
      logins: this.logins,
      tasks: this.tasks.size,
      settings: this.settings,
      pendingBoot: this.pending ?? null,
    };
  }

  private error(res: Response, status: number, id: string, args: readonly string[] = []): void {
    sendRedfishError(res, status, this.quirks.baseRegistry, id, args);
  }

  private login(req: Request, res: Response): void {
    const body = loginSchema.safeParse(req.body);
    if (!body.success) return this.error(res, 400, 'PropertyMissing', ['UserName']);
    const expected = this.credential;
    const ok =
      !this.machine.rejectAuth &&
      expected !== undefined &&
      body.data.UserName === expected.username &&
      timingSafeEqual(digest(body.data.Password), digest(expected.password ?? ''));
    if (!ok) return this.error(res, 401, 'InsufficientPrivilege');
    const session: LabSession = {
      id: randomBytes(4).toString('hex'),
      token: randomBytes(16).toString('hex'),
      username: body.data.UserName,
    };
    this.sessions.set(session.token, session);
    this.logins += 1;
    res
      .status(201)
      .set({ 'X-Auth-Token': session.token, Location: `${SESSIONS}/${session.id}` })
      .json({
        '@odata.id': `${SESSIONS}/${session.id}`,
        Id: session.id,
        UserName: session.username,
      });
  }

  private authenticate(req: Request, res: Response, next: NextFunction): void {
    const token = req.get('x-auth-token');
    if (token === undefined || !this.sessions.has(token))
      return this.error(res, 401, 'NoValidSession');
    next();
  }

  private inPost(): boolean {
    return Date.now() < this.postUntil;
  }

  /**
   * iDRAC-like: while the host is in POST, everything about the system answers 503 SYS518 with
   * Retry-After.
   */
  private refuseDuringPost(res: Response, next: NextFunction): void {
    if (this.quirks.busyDuringPost !== 'service-unavailable' || !this.inPost()) return next();
    res.set('Retry-After', String(Math.max(1, Math.ceil((this.postUntil - Date.now()) / 1000))));
    this.error(res, 503, 'IDRAC.2.8.SYS518');
  }

  /** The ETag of a state, in the profile's form; none for a profile without ETags. */
  private etagOf(state: unknown): string | undefined {
    const hash = `"${createHash('sha256').update(JSON.stringify(state)).digest('hex').slice(0, 16)}"`;
    return this.quirks.etag === 'none'
      ? undefined
      : this.quirks.etag === 'weak'
        ? `W/${hash}`
        : hash;
  }

  private withEtag(res: Response, state: unknown): Response {
    const etag = this.etagOf(state);
    return etag === undefined ? res : res.set('ETag', etag);
  }

  private systemResource(path: string, settingsPath: string): unknown {
    const m = this.machine;
    const etag = this.etagOf(m.bootOverride);
    return {
      '@odata.id': path,
      '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
      ...(etag !== undefined && { '@odata.etag': etag }),
      Id: this.systemId,
      Name: m.id,
      PowerState: m.powerState === 'on' ? 'On' : 'Off',
      ProcessorSummary: { Count: m.spec.cores },
      MemorySummary: { TotalSystemMemoryGiB: m.spec.memoryGiB },
      Boot: {
        ...bootObject(m.bootOverride),
        'BootSourceOverrideTarget@Redfish.AllowableValues': TARGET_VALUES,
      },
      Actions: {
        '#ComputerSystem.Reset': {
          target: `${path}/Actions/ComputerSystem.Reset`,
          'ResetType@Redfish.AllowableValues': this.settings.resetTypes,
        },
      },
      ...(this.quirks.bootSettings && {
        '@Redfish.Settings': {
          '@odata.type': '#Settings.v1_3_5.Settings',
          SettingsObject: { '@odata.id': settingsPath },
          SupportedApplyTimes: ['OnReset'],
        },
      }),
    };
  }

  private getSettings(res: Response, path: string): void {
    const boot = this.pending ?? this.machine.bootOverride;
    const etag = this.etagOf({ pending: boot });
    this.withEtag(res, { pending: boot }).json({
      '@odata.id': path,
      '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
      ...(etag !== undefined && { '@odata.etag': etag }),
      Id: 'Settings',
      Boot: bootObject(boot),
    });
  }

  private patchSystem(req: Request, res: Response): void {
    const boot = (req.body as { Boot?: Record<string, unknown> } | undefined)?.Boot;
    if (this.quirks.bootSettings && boot !== undefined) {
      // The Boot override of this firmware is written through its SettingsObject only.
      this.bootPatches.push({ path: req.path, ifMatch: req.get('if-match'), boot, status: 400 });
      return this.error(res, 400, 'PropertyNotWritable', [Object.keys(boot)[0] ?? 'Boot']);
    }
    this.writeBoot(req, res, this.machine.bootOverride, (next) => this.machine.setBootDevice(next));
  }

  private patchSettings(req: Request, res: Response): void {
    this.writeBoot(req, res, { pending: this.pending ?? this.machine.bootOverride }, (next) => {
      this.pending = next;
    });
  }

  /**
   * One PATCH of a Boot object whose ETag is taken of `etagState`: the precondition as the
   * profile checks it, POST refusal, the body, unchanged properties, then the write.
   */
  private writeBoot(
    req: Request,
    res: Response,
    etagState: unknown,
    write: (next: LabBootOverride) => void,
  ): void {
    const ifMatch = req.get('if-match');
    const record = (status: number): void => {
      this.bootPatches.push({
        path: req.path,
        ifMatch,
        boot: (req.body as { Boot?: unknown } | undefined)?.Boot,
        status,
      });
    };
    const refuse = (status: number, id: string, args: readonly string[] = []): void => {
      record(status);
      this.error(res, status, id, args);
    };
    const current = this.etagOf(etagState);
    if (ifMatch === undefined && this.quirks.ifMatch === 'required')
      return refuse(428, 'PreconditionRequired');
    if (
      ifMatch !== undefined &&
      current !== undefined &&
      !etagMatches(ifMatch, current, this.quirks.compare)
    )
      return refuse(412, 'PreconditionFailed');
    if (this.quirks.busyDuringPost === 'bad-request' && this.inPost())
      return refuse(400, 'iLO.2.14.UnableToModifyDuringSystemPOST');
    const body = bootPatchSchema.safeParse(req.body);
    if (!body.success)
      return refuse(400, 'PropertyValueNotInList', [
        JSON.stringify(req.body ?? null).slice(0, 80),
        'Boot',
      ]);
    const patch: BootPatch = body.data.Boot;
    const base = this.pending ?? this.machine.bootOverride;
    const unchanged = this.quirks.refuseUnchangedBoot ? unchangedBootProperties(base, patch) : [];
    if (unchanged[0] !== undefined) return refuse(400, 'PropertyValueError', [unchanged[0]]);
    write(applyBootPatch(base, patch));
    record(204);
    res.status(204).end();
  }

  private reset(req: Request, res: Response): void {
    const body = resetSchema.safeParse(req.body);
    const type = body.success ? body.data.ResetType : undefined;
    const action = type === undefined ? undefined : RESETS[type];
    if (type === undefined || action === undefined || !this.settings.resetTypes.includes(type)) {
      return this.error(res, 400, 'ActionParameterNotSupported', [
        `ResetType=${JSON.stringify(type ?? null)}`,
        'ComputerSystem.Reset',
      ]);
    }
    const off = this.machine.powerState === 'off';
    // Many BMCs take a restart of a system that is off and do nothing: the machine stays off.
    const ignored = RESTARTS.includes(type) && off;
    const boots = RESTARTS.includes(type) ? !off : POWERS_ON.includes(type) && off;
    if (boots && this.pending !== undefined) {
      this.machine.setBootDevice(this.pending);
      this.pending = undefined;
    }
    if (!ignored) action(this.machine);
    if (boots) this.postUntil = Date.now() + this.settings.postMs;
    if (!this.settings.taskResets.includes(type)) {
      res.status(204).end();
      return;
    }
    const id = randomBytes(4).toString('hex');
    this.tasks.set(id, Date.now() + this.settings.taskMs);
    res.status(202).set('Location', `${MONITORS}/${id}`).json({ Id: id, TaskState: 'Running' });
  }

  private monitor(id: string, res: Response): void {
    const doneAt = this.tasks.get(id);
    if (doneAt === undefined)
      return this.error(res, 404, 'ResourceMissingAtURI', [`${MONITORS}/${id}`]);
    const running = Date.now() < doneAt;
    if (!running) this.tasks.delete(id);
    res.status(running ? 202 : 200).json({
      Id: id,
      TaskState: running ? 'Running' : 'Completed',
      PercentComplete: running ? 50 : 100,
    });
  }
}
