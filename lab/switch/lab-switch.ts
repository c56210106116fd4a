import { timingSafeEqual } from 'node:crypto';
import { Server, type Connection, type ServerChannel } from 'ssh2';
import type { Secret } from '../../common/secrets';
import type { Switch } from '../../inventory/topology-schema';
import { ActiveProfile } from './active-profile';
import { IOS_DIALECTS, IosCli } from './ios-cli';
import { JunosCli, type JunosDatabase } from './junos-cli';
import { NvueCli, type NvueDatabase } from './nvue-cli';
import { SonicCli } from './sonic-cli';
import type { CliFaults, LabCli } from './lab-cli';
import type { LabSwitchConfig, LabSwitchConfigData } from './lab-switch-config';

/** What a lab switch keeps across a lab restart: running and saved configuration, and its faults. */
export interface LabSwitchSnapshot {
  readonly running: LabSwitchConfigData;
  /** Every family but Junos: the startup configuration `write memory`, `config save` or `nv config save` saved (a Junos commit is its own save). */
  readonly saved?: LabSwitchConfigData;
  readonly faults: LabSwitchFaults;
}

export interface LabSwitchFaults {
  /** Every login fails as if the password were wrong. */
  rejectAuth: boolean;
  /** The next N configuration commands are refused with the vendor's error text. */
  refuseCommands: number;
  /** The switch stops answering: lines are swallowed, no output, no prompt. */
  hang: boolean;
  /** The next N sessions are dropped when they send their next line. */
  dropSessions: number;
}

export interface LabSwitchStats {
  /** TCP connections accepted. */
  connections: number;
  /** Sessions that authenticated: what the concurrency test counts. */
  sessions: number;
  /** Sessions open right now, and the most ever open at once. */
  open: number;
  maxOpen: number;
  /** Lines received over shells and execs. */
  lines: number;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * One lab switch: an ssh2 server on the topology's address and port that speaks its vendor's
 * CLI family over a PTY shell (and one-line execs), holding the running configuration that
 * booting lab machines consult.
 */
export class LabSwitch {
  readonly faults: LabSwitchFaults = { rejectAuth: false, refuseCommands: 0, hang: false, dropSessions: 0 };
  readonly stats: LabSwitchStats = { connections: 0, sessions: 0, open: 0, maxOpen: 0, lines: 0 };
  private saved: LabSwitchConfig;
  private readonly active: ActiveProfile;
  /** Called after every line that may have changed the configuration or a fault counter. */
  onChange: () => void = () => undefined;
  private readonly clients = new Set<Connection>();
  private server: Server | undefined;
  private readonly cliFaults: CliFaults = {
    takeRefusal: () => {
      if (this.faults.refuseCommands <= 0) return false;
      this.faults.refuseCommands -= 1;
      return true;
    },
  };

  constructor(
    readonly spec: Switch,
    private running: LabSwitchConfig,
    private readonly credential: Secret,
    kept?: LabSwitchSnapshot,
  ) {
    this.active = new ActiveProfile(spec.vendor);
    if (kept !== undefined) {
      this.running = running.withData(kept.running);
      Object.assign(this.faults, kept.faults);
    }
    this.saved = kept?.saved === undefined ? this.running.clone() : running.withData(kept.saved);
  }

  snapshot(): LabSwitchSnapshot {
    return { running: this.running.data(), ...(this.running.family !== 'junos' && { saved: this.saved.data() }), faults: { ...this.faults } };
  }

  get config(): LabSwitchConfig {
    return this.running;
  }

  /** The configuration a reboot would load: saved by `write memory`, `config save`, `nv config save`; a Junos commit is its own save. */
  get startup(): string {
    return (this.running.family === 'junos' ? this.running : this.saved).render();
  }

  clearFaults(): void {
    Object.assign(this.faults, { rejectAuth: false, refuseCommands: 0, hang: false, dropSessions: 0 });
  }

  /** The quirk profile this switch behaves by. */
  get profile(): string {
    return this.active.name;
  }

  /** Switches to a named quirk profile of this vendor (see switch-profiles.ts); its durations count from now. */
  useProfile(name: string): void {
    this.active.use(name);
  }

  private readonly junosDatabase: JunosDatabase = {
    running: () => this.running,
    activate: (c) => (this.running = c),
    exclusiveHolder: () => this.active.exclusiveHolder(),
    sharedEdits: () => this.active.sharedEdits(),
    commitMs: () => this.active.settings.commitMs ?? 0,
  };

  private nvuePending: LabSwitchConfig | undefined;
  private nvueRevision = 1;

  private readonly nvueDatabase: NvueDatabase = {
    applied: () => this.running,
    apply: (c) => {
      this.running = c.clone();
      this.nvueRevision += 1;
      return this.nvueRevision;
    },
    pending: () => this.nvuePending,
    setPending: (c) => (this.nvuePending = c),
    applyPrompts: () => this.active.settings.applyPrompts ?? false,
  };

  private newCli(): LabCli {
    const save = (): void => {
      this.saved = this.running.clone();
    };
    if (this.running.family === 'junos') return new JunosCli(this.junosDatabase, this.credential.username, this.cliFaults);
    if (this.running.family === 'nvue') return new NvueCli(this.nvueDatabase, this.credential.username, this.cliFaults, save);
    if (this.running.family === 'sonic') {
      return new SonicCli(this.running, { user: this.credential.username, sudoNeedsPassword: this.active.settings.sudoNeedsPassword ?? false }, this.cliFaults, save);
    }
    const dialect = IOS_DIALECTS[this.spec.vendor as keyof typeof IOS_DIALECTS];
    const login = { privileged: this.active.settings.privilegedLogin ?? false, ...(this.credential.enableSecret !== undefined && { enableSecret: this.credential.enableSecret }) };
    return new IosCli(this.running, dialect, this.cliFaults, save, login);
  }

  async start(hostKey: Buffer): Promise<void> {
    const server = new Server({ hostKeys: [hostKey] }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.spec.port, this.spec.address, () => resolve());
    });
  }

  private accept(client: Connection): void {
    this.stats.connections += 1;
    this.clients.add(client);
    let authenticated = false;
    client.on('error', () => undefined);
    client.on('close', () => {
      this.clients.delete(client);
      if (authenticated) this.stats.open -= 1;
    });
    client.on('authentication', (ctx) => {
      const ok = (password: string): boolean =>
        !this.faults.rejectAuth && same(ctx.username, this.credential.username) && same(password, this.credential.password ?? '');
      if (ctx.method === 'password') {
        if (ok(ctx.password)) ctx.accept();
        else ctx.reject(['password', 'keyboard-interactive']);
      } else if (ctx.method === 'keyboard-interactive') {
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => (ok(answers[0] ?? '') ? ctx.accept() : ctx.reject(['password', 'keyboard-interactive'])));
      } else ctx.reject(['password', 'keyboard-interactive']);
    });
    client.on('ready', () => {
      authenticated = true;
      this.stats.sessions += 1;
      this.stats.open += 1;
      this.stats.maxOpen = Math.max(this.stats.maxOpen, this.stats.open);
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('shell', (accept) => this.shell(client, accept()));
        session.on('exec', (accept, _reject, info) => this.exec(client, accept(), info.command));
      });
    });
  }

  /** Whether an injected fault takes this line: a hang swallows it, a drop ends the connection. */
  private faulted(client: Connection): boolean {
    this.stats.lines += 1;
    if (this.faults.dropSessions > 0) {
      this.faults.dropSessions -= 1;
      this.onChange();
      client.end();
      return true;
    }
    return this.faults.hang;
  }

  private shell(client: Connection, stream: ServerChannel): void {
    const cli = this.newCli();
    let pending = '';
    let busy = false;
    // A CLI answers one line at a time: what is typed meanwhile waits for the answer.
    const drain = (): void => {
      let at: number;
      while (!busy && (at = pending.search(/\r\n|\r|\n/)) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + (pending.startsWith('\r\n', at) ? 2 : 1));
        if (this.faulted(client)) continue;
        const echo = cli.readingSecret === true ? '' : line;
        const answer = cli.handle(line);
        this.onChange();
        const body = answer.output === '' ? '' : `${answer.output.replace(/\n/g, '\r\n')}\r\n`;
        if (answer.close) {
          stream.write(`${echo}\r\n${body}`);
          stream.exit(0);
          stream.end();
          return;
        }
        const prompt = cli.prompt();
        if (answer.delayMs === undefined || answer.delayMs <= 0) {
          stream.write(`${echo}\r\n${body}${prompt}`);
          continue;
        }
        stream.write(`${echo}\r\n`);
        busy = true;
        setTimeout(() => {
          busy = false;
          if (stream.destroyed) return;
          stream.write(`${body}${prompt}`);
          drain();
        }, answer.delayMs);
      }
    };
    stream.write(`\r\n${cli.prompt()}`);
    stream.on('data', (data: Buffer) => {
      pending += data.toString('utf8');
      drain();
    });
  }

  private exec(client: Connection, stream: ServerChannel, command: string): void {
    if (this.faulted(client)) return;
    const answer = this.newCli().handle(command);
    this.onChange();
    const text = answer.output === '' ? '' : `${answer.output}\n`;
    const code = answer.exitCode ?? 0;
    if (code === 0) stream.write(text);
    else stream.stderr.write(text);
    stream.exit(code);
    stream.end();
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.end();
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
