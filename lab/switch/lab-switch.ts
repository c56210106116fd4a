import type { Secret } from '../../common/secrets';
import type { Switch } from '../../inventory/topology-schema';
import { ActiveProfile } from './active-profile';
import { IOS_DIALECTS, IosCli } from './ios-cli';
import { JunosCli, type JunosDatabase } from './junos-cli';
import { NvueCli, type NvueDatabase } from './nvue-cli';
import { SonicCli } from './sonic-cli';
import type { CliFaults, LabCli } from './lab-cli';
import type { LabSwitchConfig, LabSwitchConfigData } from './lab-switch-config';
import {
  startLabSshShellServer,
  type LabLineFault,
  type LabSshShellServer,
} from '../ssh/lab-ssh-shell-server';
import { withLineHook } from '../ssh/with-line-hook';

/**
 * What a lab switch keeps across a lab restart: running and saved configuration, and its faults.
 */
export interface LabSwitchSnapshot {
  readonly running: LabSwitchConfigData;
  /**
   * Every family but Junos: the startup configuration `write memory`, `config save` or `nv config
   * save` saved (a Junos commit is its own save).
   */
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

/**
 * One lab switch: the lab's SSH shell server on the topology's address and port, speaking its
 * vendor's CLI family over a PTY shell (and one-line execs), holding the running configuration
 * that booting lab machines consult.
 */
export class LabSwitch {
  readonly faults: LabSwitchFaults = {
    rejectAuth: false,
    refuseCommands: 0,
    hang: false,
    dropSessions: 0,
  };
  readonly stats: LabSwitchStats = { connections: 0, sessions: 0, open: 0, maxOpen: 0, lines: 0 };
  private saved: LabSwitchConfig;
  private readonly active: ActiveProfile;
  private server: LabSshShellServer | undefined;
  /** Called after every line that may have changed the configuration or a fault counter. */
  onChange: () => void = () => undefined;
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
    return {
      running: this.running.data(),
      ...(this.running.family !== 'junos' && { saved: this.saved.data() }),
      faults: { ...this.faults },
    };
  }

  get config(): LabSwitchConfig {
    return this.running;
  }

  /**
   * The configuration a reboot would load: saved by `write memory`, `config save`, `nv config
   * save`; a Junos commit is its own save.
   */
  get startup(): string {
    return (this.running.family === 'junos' ? this.running : this.saved).render();
  }

  clearFaults(): void {
    Object.assign(this.faults, {
      rejectAuth: false,
      refuseCommands: 0,
      hang: false,
      dropSessions: 0,
    });
  }

  /** The quirk profile this switch behaves by. */
  get profile(): string {
    return this.active.name;
  }

  /**
   * Switches to a named quirk profile of this vendor (see switch-profiles.ts); its durations count
   * from now.
   */
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
    if (this.running.family === 'junos')
      return new JunosCli(this.junosDatabase, this.credential.username, this.cliFaults);
    if (this.running.family === 'nvue')
      return new NvueCli(this.nvueDatabase, this.credential.username, this.cliFaults, save);
    if (this.running.family === 'sonic') {
      return new SonicCli(
        this.running,
        {
          user: this.credential.username,
          sudoNeedsPassword: this.active.settings.sudoNeedsPassword ?? false,
        },
        this.cliFaults,
        save,
      );
    }
    const dialect = IOS_DIALECTS[this.spec.vendor as keyof typeof IOS_DIALECTS];
    const login = {
      privileged: this.active.settings.privilegedLogin ?? false,
      ...(this.credential.enableSecret !== undefined && {
        enableSecret: this.credential.enableSecret,
      }),
    };
    return new IosCli(this.running, dialect, this.cliFaults, save, login);
  }

  async start(hostKey: Buffer): Promise<void> {
    this.server = await startLabSshShellServer({
      address: this.spec.address,
      port: this.spec.port,
      hostKey,
      credential: this.credential,
      newCli: () => withLineHook(this.newCli(), () => this.onChange()),
      keyboardInteractive: true,
      refuseLogins: () => this.faults.rejectAuth,
      lineFault: () => this.lineFault(),
      onConnection: () => (this.stats.connections += 1),
      onSession: () => {
        this.stats.sessions += 1;
        this.stats.open += 1;
        this.stats.maxOpen = Math.max(this.stats.maxOpen, this.stats.open);
      },
      onSessionClosed: () => (this.stats.open -= 1),
    });
  }

  /** Whether an injected fault takes this line: a hang swallows it, a drop ends the connection. */
  private lineFault(): LabLineFault {
    this.stats.lines += 1;
    if (this.faults.dropSessions > 0) {
      this.faults.dropSessions -= 1;
      this.onChange();
      return 'drop';
    }
    return this.faults.hang ? 'hang' : undefined;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
