import type { CliAnswer, CliFaults, LabCli } from './lab-cli';
import { parseVlanList } from '../../drivers/switch/vlan-list';
import type { LabSwitchConfig } from './lab-switch-config';

const PORT = /^(?:ge|xe|et|mge)-\d+\/\d+\/\d+$/;
const ES = 'unit 0 family ethernet-switching';

/**
 * The Junos-like CLI of a lab switch: operational mode, and a private candidate
 * configuration that `commit` checks and makes active and `rollback` throws away.
 */
export class JunosCli implements LabCli {
  private candidate: LabSwitchConfig | undefined;

  constructor(
    private readonly running: () => LabSwitchConfig,
    private readonly activate: (config: LabSwitchConfig) => void,
    private readonly user: string,
    private readonly faults: CliFaults,
  ) {}

  prompt(): string {
    return `${this.user}@${this.running().hostname}${this.candidate === undefined ? '>' : '#'} `;
  }

  handle(raw: string): CliAnswer {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') return { output: this.candidate === undefined ? '' : '\n[edit]' };
    if (this.candidate === undefined) return this.operational(line);
    const answer = this.configuration(line, this.candidate);
    return this.candidate === undefined ? answer : { ...answer, output: `${answer.output}\n\n[edit]` };
  }

  private operational(line: string): CliAnswer {
    let m: RegExpExecArray | null;
    if (line === 'cli') return { output: '' };
    if ((m = /^set cli screen-(length|width) (\d+)$/.exec(line))) return { output: `Screen ${m[1]} set to ${m[2]}` };
    if (line === 'configure' || line === 'configure private' || line === 'configure exclusive') {
      this.candidate = this.running().clone();
      return { output: 'Entering configuration mode\n\n[edit]' };
    }
    if (line === 'show configuration') return { output: this.running().render().trimEnd() };
    if ((m = /^show configuration interfaces (\S+)$/.exec(line))) {
      if (!PORT.test(m[1] as string)) return { output: `${' '.repeat(this.prompt().length + line.length - (m[1] as string).length)}^\nsyntax error, expecting <interface-name>.` };
      return { output: this.running().renderPort(m[1] as string) };
    }
    if (line === 'exit' || line === 'quit') return { output: '', close: true };
    return { output: `${' '.repeat(this.prompt().length)}^\nunknown command.` };
  }

  private configuration(line: string, c: LabSwitchConfig): CliAnswer {
    if (line === 'exit' || line === 'quit' || line === 'exit configuration-mode') {
      this.candidate = undefined;
      return { output: 'Exiting configuration mode' };
    }
    if (line === 'rollback' || line === 'rollback 0') {
      this.candidate = this.running().clone();
      return { output: 'load complete' };
    }
    if (this.faults.takeRefusal()) return { output: 'error: configuration database modified\nerror: command rejected by the device' };
    if (line === 'commit' || line === 'commit and-quit') return this.commit(c, line === 'commit and-quit');
    const answer = this.edit(line, c);
    c.prune();
    return answer;
  }

  private syntaxError(): CliAnswer {
    return { output: `${' '.repeat(this.prompt().length)}^\nsyntax error.` };
  }

  private edit(line: string, c: LabSwitchConfig): CliAnswer {
    const notFound: CliAnswer = { output: 'warning: statement not found' };
    let m: RegExpExecArray | null;
    if ((m = /^set vlans ([A-Za-z][A-Za-z0-9_-]*) vlan-id (\d+)$/.exec(line))) {
      const id = Number(m[2]);
      if (id < 1 || id > 4094) return this.syntaxError();
      const holder = c.vlans.get(id);
      if (holder !== undefined && holder !== m[1]) return { output: `error: vlan-id ${id} is already used by vlan ${holder}` };
      c.vlans.set(id, m[1] as string);
      return { output: '' };
    }
    m = /^(set|delete) interfaces (\S+)(?: (.*))?$/.exec(line);
    if (m === null || !PORT.test(m[2] as string)) return this.syntaxError();
    const [, verb, name, rest = ''] = m as unknown as [string, 'set' | 'delete', string, string?];
    const p = c.port(name);
    if (rest === 'disable') {
      if (verb === 'delete' && !p.shutdown) return notFound;
      p.shutdown = verb === 'set';
      return { output: '' };
    }
    if (verb === 'set' && (m = new RegExp(`^${ES} interface-mode (access|trunk)$`).exec(rest))) {
      p.mode = m[1] as 'access' | 'trunk';
      return { output: '' };
    }
    if (verb === 'set' && (m = new RegExp(`^${ES} vlan members (?:(\\d+)|\\[ ([\\d ]+) \\])$`).exec(rest))) {
      const add = parseVlanList((m[1] ?? m[2]) as string);
      if (add === undefined || add.length === 0) return this.syntaxError();
      p.vlans = [...(p.vlans ?? []), ...add.filter((v) => !(p.vlans ?? []).includes(v))];
      return { output: '' };
    }
    if (verb === 'delete' && (m = new RegExp(`^${ES} vlan members (\\d+)$`).exec(rest))) {
      const id = Number(m[1]);
      if (!(p.vlans ?? []).includes(id)) return notFound;
      p.vlans = (p.vlans ?? []).filter((v) => v !== id);
      if (p.vlans.length === 0) delete p.vlans;
      return { output: '' };
    }
    if (verb === 'delete' && rest === `${ES} vlan`) {
      if (p.vlans === undefined) return notFound;
      delete p.vlans;
      return { output: '' };
    }
    if (verb === 'delete' && rest === ES) {
      if (p.mode === undefined && p.vlans === undefined) return notFound;
      delete p.mode;
      delete p.vlans;
      return { output: '' };
    }
    return this.syntaxError();
  }

  private commit(c: LabSwitchConfig, quit: boolean): CliAnswer {
    const errors: string[] = [];
    for (const name of c.portNames()) {
      const p = c.port(name);
      for (const v of p.vlans ?? []) {
        if (!c.vlans.has(v)) errors.push(`[edit interfaces ${name} ${ES}]\n  'vlan'\n    error: vlan-id ${v} is not defined`);
      }
      if (p.mode === 'access' && (p.vlans?.length ?? 0) > 1) errors.push(`[edit interfaces ${name} ${ES}]\n  error: Access interface ${name}.0 has more than one vlan member`);
    }
    if (errors.length > 0) return { output: `${errors.join('\n')}\nerror: configuration check-out failed` };
    this.activate(c.clone());
    if (quit) {
      this.candidate = undefined;
      return { output: 'commit complete\nExiting configuration mode' };
    }
    return { output: 'commit complete' };
  }
}
