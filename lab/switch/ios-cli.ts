import type { CliAnswer, CliFaults, LabCli } from './lab-cli';
import { parseVlanList } from '../../drivers/switch/vlan-list';
import type { LabSwitchConfig } from './lab-switch-config';

/** Where the IOS-like vendors differ, as data. */
export interface IosDialect {
  readonly showInterface: string;
  readonly showAll: string;
  readonly save: readonly string[];
  /** OS10: `switchport trunk allowed vlan L` adds to the list; `no … L` removes. */
  readonly trunkAdditive: boolean;
  /** How a VLAN is created in config mode: `vlan N` or OS10's `interface vlan N`. */
  readonly vlanCommand: RegExp;
  readonly indent: string;
  readonly portPattern: RegExp;
  readonly interfacePrompt: (port: string) => string;
  readonly vlanPrompt: (vlan: number) => string;
  /** Whether a login may land in user EXEC (`>`); OS10 logins are always privileged. */
  readonly userExec: boolean;
  /**
   * What user EXEC answers to a privileged command; undefined: the IOS `^` marker and `% Invalid
   * input detected`.
   */
  readonly userModeRefusal?: string;
  /** Wrong enable secrets: how many tries, then this text back at `>`. */
  readonly enableAttempts: number;
  readonly enableRefusal: string;
}

export const IOS_DIALECTS = {
  'cisco-ios': {
    showInterface: 'show running-config interface',
    showAll: 'show running-config',
    save: ['write memory', 'copy running-config startup-config'],
    trunkAdditive: false,
    vlanCommand: /^vlan (\d+)$/,
    indent: ' ',
    portPattern: /^(?:GigabitEthernet|TenGigabitEthernet|FastEthernet|Ethernet)\d+(?:\/\d+){0,3}$/,
    interfacePrompt: () => 'config-if',
    vlanPrompt: () => 'config-vlan',
    userExec: true,
    enableAttempts: 3,
    enableRefusal: '% Bad secrets',
  },
  'arista-eos': {
    showInterface: 'show running-config interfaces',
    showAll: 'show running-config',
    save: ['write memory', 'copy running-config startup-config'],
    trunkAdditive: false,
    vlanCommand: /^vlan (\d+)$/,
    indent: '   ',
    portPattern: /^Ethernet\d+(?:\/\d+){0,2}$/,
    interfacePrompt: (port: string) => `config-if-${port.replace(/^Ethernet/, 'Et')}`,
    vlanPrompt: (vlan: number) => `config-vlan-${vlan}`,
    userExec: true,
    userModeRefusal: '% Invalid input (privileged mode required)',
    enableAttempts: 1,
    enableRefusal: '% Access denied',
  },
  'dell-os10': {
    showInterface: 'show running-configuration interface',
    showAll: 'show running-configuration',
    save: ['copy running-configuration startup-configuration', 'write memory'],
    trunkAdditive: true,
    vlanCommand: /^interface vlan (\d+)$/,
    indent: ' ',
    portPattern: /^ethernet\d+\/\d+\/\d+(?::\d+)?$/,
    interfacePrompt: (port: string) => `conf-if-${port.replace(/^ethernet/, 'eth')}`,
    vlanPrompt: (vlan: number) => `conf-if-vl-${vlan}`,
    userExec: false,
    enableAttempts: 1,
    enableRefusal: '% Error: Access denied',
  },
} as const satisfies Record<string, IosDialect>;

const ALL_VLANS: readonly number[] = Array.from({ length: 4094 }, (_, i) => i + 1);

/**
 * How a session starts: in user EXEC (`>`, `enable` asks for the secret) or privileged (a
 * privilege-15 login).
 */
export interface IosLogin {
  readonly privileged: boolean;
  /** Undefined: the switch has no enable secret configured, and `enable` over a vty is refused. */
  readonly enableSecret?: string;
}

/**
 * The IOS-like CLI of a lab switch: user and privileged EXEC, `configure terminal`, interface
 * and VLAN sub-modes. Lines apply as typed to the running configuration; `% Invalid input`
 * for anything it does not know, like the real thing.
 */
export class IosCli implements LabCli {
  private mode: 'exec' | 'config' | 'if' | 'vlan' = 'exec';
  private privileged: boolean;
  /** Wrong secrets so far while `enable` waits for one; undefined when it does not. */
  private secretTries: number | undefined;
  private iface = '';
  private vlan = 0;

  constructor(
    private readonly config: LabSwitchConfig,
    private readonly dialect: IosDialect,
    private readonly faults: CliFaults,
    private readonly onSave: () => void,
    private readonly login: IosLogin,
  ) {
    this.privileged = login.privileged || !dialect.userExec;
  }

  get readingSecret(): boolean {
    return this.secretTries !== undefined;
  }

  prompt(): string {
    const h = this.config.hostname;
    if (this.secretTries !== undefined) return 'Password: ';
    if (this.mode === 'exec') return `${h}${this.privileged ? '#' : '>'}`;
    if (this.mode === 'config') return `${h}(config)#`;
    if (this.mode === 'if') return `${h}(${this.dialect.interfacePrompt(this.iface)})#`;
    return `${h}(${this.dialect.vlanPrompt(this.vlan)})#`;
  }

  private invalid(): CliAnswer {
    return {
      output: `${' '.repeat(this.prompt().length)}^\n% Invalid input detected at '^' marker.`,
    };
  }

  handle(raw: string): CliAnswer {
    if (this.secretTries !== undefined) return this.secret(raw);
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') return { output: '' };
    if (this.mode === 'exec') return this.exec(line);
    if (line === 'end') {
      this.mode = 'exec';
      return { output: '' };
    }
    if (line === 'exit') {
      this.mode = this.mode === 'config' ? 'exec' : 'config';
      return { output: '' };
    }
    if (this.faults.takeRefusal()) return this.invalid();
    const answer =
      (this.mode === 'if'
        ? this.interfaceLine(line)
        : this.mode === 'vlan'
          ? this.vlanLine(line)
          : undefined) ?? this.configLine(line);
    this.config.prune();
    return answer;
  }

  private secret(typed: string): CliAnswer {
    const tries = (this.secretTries ?? 0) + 1;
    if (typed === this.login.enableSecret) {
      this.secretTries = undefined;
      this.privileged = true;
      return { output: '' };
    }
    if (tries < this.dialect.enableAttempts) {
      this.secretTries = tries;
      return { output: '' };
    }
    this.secretTries = undefined;
    return { output: this.dialect.enableRefusal };
  }

  /** User EXEC: paging, `enable`, leaving; everything else is a privileged command. */
  private userExec(line: string): CliAnswer {
    if (/^terminal (?:length|width) \d+$/.test(line)) return { output: '' };
    if (line === 'enable') {
      if (this.login.enableSecret === undefined) return { output: '% No password set' };
      this.secretTries = 0;
      return { output: '' };
    }
    if (line === 'exit' || line === 'logout') return { output: '', close: true };
    return this.dialect.userModeRefusal === undefined
      ? this.invalid()
      : { output: this.dialect.userModeRefusal };
  }

  private exec(line: string): CliAnswer {
    const d = this.dialect;
    if (!this.privileged) return this.userExec(line);
    if (/^terminal (?:length|width) \d+$/.test(line)) return { output: '' };
    if (line === 'enable') return { output: '' };
    if (line === 'disable' && d.userExec) {
      this.privileged = false;
      return { output: '' };
    }
    if (line === 'configure terminal' || line === 'configure') {
      this.mode = 'config';
      return { output: 'Enter configuration commands, one per line.  End with CNTL/Z.' };
    }
    if (line === d.showAll) return { output: this.config.render().trimEnd() };
    if (line.startsWith(`${d.showInterface} `)) {
      const port = line.slice(d.showInterface.length + 1);
      if (!d.portPattern.test(port)) return this.invalid();
      return {
        output: [
          'Building configuration...',
          '',
          '!',
          this.config.renderPort(port, d.indent),
          'end',
        ].join('\n'),
      };
    }
    if (d.save.includes(line)) {
      this.onSave();
      return { output: 'Building configuration...\n[OK]' };
    }
    if (line === 'exit' || line === 'logout') return { output: '', close: true };
    return this.invalid();
  }

  private configLine(line: string): CliAnswer {
    const vlanMatch = this.dialect.vlanCommand.exec(line);
    if (vlanMatch !== null) {
      const id = Number(vlanMatch[1]);
      if (id < 1 || id > 4094) return this.invalid();
      if (!this.config.vlans.has(id)) this.config.vlans.set(id, '');
      this.vlan = id;
      this.mode = 'vlan';
      return { output: '' };
    }
    const ifMatch = /^interface (\S+)$/.exec(line);
    if (ifMatch !== null && this.dialect.portPattern.test(ifMatch[1] as string)) {
      this.iface = ifMatch[1] as string;
      this.mode = 'if';
      return { output: '' };
    }
    return this.invalid();
  }

  private vlanLine(line: string): CliAnswer | undefined {
    const m = /^name (\S+)$/.exec(line);
    if (m === null) return undefined;
    this.config.vlans.set(this.vlan, m[1] as string);
    return { output: '' };
  }

  private interfaceLine(line: string): CliAnswer | undefined {
    const p = this.config.port(this.iface);
    let m: RegExpExecArray | null;
    if ((m = /^switchport mode (access|trunk)$/.exec(line))) {
      p.mode = m[1] as 'access' | 'trunk';
      return { output: '' };
    }
    if (line === 'no switchport mode') {
      delete p.mode;
      return { output: '' };
    }
    if ((m = /^switchport access vlan (\S+)$/.exec(line))) {
      const [id] = parseVlanList(m[1] as string) ?? [];
      if (id === undefined || (m[1] as string).includes(',') || (m[1] as string).includes('-'))
        return this.invalid();
      p.accessVlan = id;
      if (!this.config.vlans.has(id)) {
        this.config.vlans.set(id, '');
        return { output: `% Access VLAN does not exist. Creating vlan ${id}` };
      }
      return { output: '' };
    }
    if (line === 'no switchport access vlan') {
      delete p.accessVlan;
      return { output: '' };
    }
    if ((m = /^(no )?switchport trunk allowed vlan(?: (add|remove))?(?: (\S+))?$/.exec(line)))
      return this.trunkLine(p, m[1] !== undefined, m[2], m[3]);
    if (line === 'shutdown' || line === 'no shutdown') {
      p.shutdown = line === 'shutdown';
      return { output: '' };
    }
    return undefined;
  }

  private trunkLine(
    p: { vlans?: number[] },
    no: boolean,
    op: string | undefined,
    list: string | undefined,
  ): CliAnswer {
    const vlans = list === undefined || list === 'none' ? undefined : parseVlanList(list);
    if (list !== undefined && list !== 'none' && vlans === undefined) return this.invalid();
    const set = (next: number[] | undefined): CliAnswer => {
      if (next === undefined) delete p.vlans;
      else p.vlans = [...new Set(next)].sort((a, b) => a - b);
      return { output: '' };
    };
    if (this.dialect.trunkAdditive) {
      if (op !== undefined || list === 'none') return this.invalid();
      if (no) {
        if (vlans === undefined) return this.invalid();
        const left = (p.vlans ?? []).filter((v) => !vlans.includes(v));
        return set(left.length === 0 ? undefined : left);
      }
      if (vlans === undefined) return this.invalid();
      return set([...(p.vlans ?? []), ...vlans]);
    }
    if (no) return op === undefined && list === undefined ? set(undefined) : this.invalid();
    if (list === undefined) return this.invalid();
    if (op === 'add')
      return vlans === undefined ? this.invalid() : set([...(p.vlans ?? ALL_VLANS), ...vlans]);
    if (op === 'remove')
      return vlans === undefined
        ? this.invalid()
        : set((p.vlans ?? ALL_VLANS).filter((v) => !vlans.includes(v)));
    return set(vlans ?? []);
  }
}
