import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Secret } from '../../common/secrets';
import type { LabBootDevice, LabMachine } from '../lab-machine';

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

const BOOT_TARGETS: Readonly<Record<LabBootDevice, string>> = { none: 'None', pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };
const TARGET_VALUES = Object.values(BOOT_TARGETS) as [string, ...string[]];

export const labRedfishSettingsSchema = z.strictObject({
  /** ResetTypes the BMC advertises in AllowableValues and accepts. */
  resetTypes: z.array(z.enum(RESET_TYPES)),
  /** ResetTypes answered with 202 Accepted and a task monitor instead of 204. */
  taskResets: z.array(z.enum(RESET_TYPES)),
  /** How long a reset task runs before its monitor reports Completed. */
  taskMs: z.number().int().min(0).max(600_000),
});
export type LabRedfishSettings = z.output<typeof labRedfishSettingsSchema>;

/** Like many real BMCs, some resets are asynchronous: the lab default exercises both paths. */
export const DEFAULT_REDFISH_SETTINGS: LabRedfishSettings = {
  resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'PowerCycle'],
  taskResets: ['ForceRestart', 'PowerCycle'],
  taskMs: 200,
};

const loginSchema = z.looseObject({ UserName: z.string(), Password: z.string() });
const resetSchema = z.looseObject({ ResetType: z.string() });
const patchSchema = z.looseObject({
  Boot: z.strictObject({
    BootSourceOverrideTarget: z.enum(TARGET_VALUES).optional(),
    BootSourceOverrideEnabled: z.enum(['Disabled', 'Once', 'Continuous']).optional(),
    BootSourceOverrideMode: z.enum(['UEFI', 'Legacy']).optional(),
  }),
});

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

function sendError(res: Response, status: number, messageId: string, message: string): void {
  res.status(status).json({ error: { code: `Base.1.8.${messageId}`, message, '@Message.ExtendedInfo': [{ MessageId: `Base.1.8.${messageId}`, Message: message }] } });
}

/**
 * The Redfish BMC of one lab machine: the subset rackshift's driver uses (service root,
 * sessions, one ComputerSystem with PowerState, Reset and the Boot override, task monitors),
 * acting only through the LabMachine so power and boot state live in one place.
 */
export class LabRedfishBmc {
  readonly app = express();
  readonly sessions = new Map<string, LabSession>();
  private readonly tasks = new Map<string, number>();
  settings: LabRedfishSettings = DEFAULT_REDFISH_SETTINGS;
  /** Successful logins, so tests can tell a re-login from a reused session. */
  logins = 0;

  constructor(
    readonly machine: LabMachine,
    private readonly credential: Secret | undefined,
    readonly systemId: string,
  ) {
    const system = `${ROOT}/Systems/${systemId}`;
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
      res.json({ Members: [...this.sessions.values()].map((s) => ({ '@odata.id': `${SESSIONS}/${s.id}` })), 'Members@odata.count': this.sessions.size });
    });
    this.app.delete(`${SESSIONS}/:id`, (req, res) => {
      const found = [...this.sessions.values()].find((s) => s.id === req.params.id);
      if (found === undefined) return sendError(res, 404, 'ResourceMissingAtURI', 'no such session');
      this.sessions.delete(found.token);
      res.status(204).end();
    });
    this.app.get(`${ROOT}/Systems`, (_req, res) => {
      res.json({ Members: [{ '@odata.id': system }], 'Members@odata.count': 1 });
    });
    this.app.get(system, (_req, res) => {
      res.set('ETag', this.etag()).json(this.systemResource(system));
    });
    this.app.patch(system, (req, res) => this.patchBoot(req, res));
    this.app.post(`${system}/Actions/ComputerSystem.Reset`, (req, res) => this.reset(req, res));
    this.app.get(`${MONITORS}/:id`, (req, res) => this.monitor(req.params.id as string, res));
    this.app.use((_req, res) => sendError(res, 404, 'ResourceMissingAtURI', 'no such resource'));
    this.app.use((e: { type?: string; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
      if (e.type === 'entity.parse.failed') sendError(res, 400, 'MalformedJSON', 'the request body is not valid JSON');
      else sendError(res, 500, 'InternalError', e.message ?? 'internal error');
    });
  }

  /** Ends every session, as a BMC does when they time out or it reboots. */
  expireSessions(): void {
    this.sessions.clear();
  }

  describe(): unknown {
    return { system: this.systemId, sessions: this.sessions.size, logins: this.logins, tasks: this.tasks.size, settings: this.settings };
  }

  private login(req: Request, res: Response): void {
    const body = loginSchema.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'PropertyMissing', 'UserName and Password are required');
    const expected = this.credential;
    const ok =
      !this.machine.rejectAuth &&
      expected !== undefined &&
      body.data.UserName === expected.username &&
      timingSafeEqual(digest(body.data.Password), digest(expected.password ?? ''));
    if (!ok) return sendError(res, 401, 'InsufficientPrivilege', 'invalid user name or password');
    const session: LabSession = { id: randomBytes(4).toString('hex'), token: randomBytes(16).toString('hex'), username: body.data.UserName };
    this.sessions.set(session.token, session);
    this.logins += 1;
    res
      .status(201)
      .set({ 'X-Auth-Token': session.token, Location: `${SESSIONS}/${session.id}` })
      .json({ '@odata.id': `${SESSIONS}/${session.id}`, Id: session.id, UserName: session.username });
  }

  private authenticate(req: Request, res: Response, next: NextFunction): void {
    const token = req.get('x-auth-token');
    if (token === undefined || !this.sessions.has(token)) return sendError(res, 401, 'NoValidSession', 'no valid session');
    next();
  }

  private etag(): string {
    return `W/"${createHash('sha256').update(JSON.stringify(this.machine.bootOverride)).digest('hex').slice(0, 16)}"`;
  }

  private systemResource(path: string): unknown {
    const m = this.machine;
    const boot = m.bootOverride;
    return {
      '@odata.id': path,
      '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
      '@odata.etag': this.etag(),
      Id: this.systemId,
      Name: m.id,
      PowerState: m.powerState === 'on' ? 'On' : 'Off',
      ProcessorSummary: { Count: m.spec.cores },
      MemorySummary: { TotalSystemMemoryGiB: m.spec.memoryGiB },
      Boot: {
        BootSourceOverrideTarget: BOOT_TARGETS[boot.device],
        'BootSourceOverrideTarget@Redfish.AllowableValues': TARGET_VALUES,
        BootSourceOverrideEnabled: boot.device === 'none' ? 'Disabled' : boot.persistent ? 'Continuous' : 'Once',
        BootSourceOverrideMode: boot.uefi ? 'UEFI' : 'Legacy',
      },
      Actions: {
        '#ComputerSystem.Reset': { target: `${path}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': this.settings.resetTypes },
      },
    };
  }

  private patchBoot(req: Request, res: Response): void {
    // Like BMCs that guard their settings with ETags (iLO among them): no If-Match, no write.
    const ifMatch = req.get('if-match');
    if (ifMatch === undefined) return sendError(res, 428, 'PreconditionRequired', 'If-Match with the ETag of the system is required');
    if (ifMatch !== this.etag()) return sendError(res, 412, 'PreconditionFailed', 'the ETag does not match');
    const body = patchSchema.safeParse(req.body);
    if (!body.success) return sendError(res, 400, 'PropertyValueNotInList', 'Boot override values not supported');
    const current = this.machine.bootOverride;
    const patch = body.data.Boot;
    const target = Object.entries(BOOT_TARGETS).find(([, v]) => v === patch.BootSourceOverrideTarget)?.[0] as LabBootDevice | undefined;
    const enabled = patch.BootSourceOverrideEnabled;
    this.machine.setBootDevice({
      device: enabled === 'Disabled' ? 'none' : (target ?? current.device),
      persistent: enabled === undefined ? current.persistent : enabled === 'Continuous',
      uefi: patch.BootSourceOverrideMode === undefined ? current.uefi : patch.BootSourceOverrideMode === 'UEFI',
    });
    res.status(204).end();
  }

  private reset(req: Request, res: Response): void {
    const body = resetSchema.safeParse(req.body);
    const type = body.success ? body.data.ResetType : undefined;
    const action = type === undefined ? undefined : RESETS[type];
    if (type === undefined || action === undefined || !this.settings.resetTypes.includes(type)) {
      return sendError(res, 400, 'ActionParameterNotSupported', `ResetType ${JSON.stringify(type ?? null)} is not supported`);
    }
    action(this.machine);
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
    if (doneAt === undefined) return sendError(res, 404, 'ResourceMissingAtURI', 'no such task');
    const running = Date.now() < doneAt;
    if (!running) this.tasks.delete(id);
    res.status(running ? 202 : 200).json({ Id: id, TaskState: running ? 'Running' : 'Completed', PercentComplete: running ? 50 : 100 });
  }
}
