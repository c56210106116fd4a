import type { CliAnswer, CliFaults, LabCli } from './lab-cli';
import type { LabSwitchConfig } from './lab-switch-config';

const PORT = /^(?:ge|xe|et|mge)-\d+\/\d+\/\d+$/;
const ES = 'unit 0 family ethernet-switching';
/** A VLAN name or a vlan-id as `vlan members` takes it. */
const MEMBER = /[A-Za-z0-9][A-Za-z0-9_.-]*/;

/** The configuration database one Junos switch shares between its CLI sessions and other users. */
export interface JunosDatabase {
  running(): LabSwitchConfig;
  activate(config: LabSwitchConfig): void;
  /** Who holds `configure exclusive` now, as Junos lists a user; undefined when nobody does. */
  exclusiveHolder(): string | undefined;
  /** Another user's uncommitted change in the shared candidate, while there is one. */
  sharedEdits(): SharedEdits | undefined;
  /** How long a commit takes to answer. */
  commitMs(): number;
}

export interface SharedEdits {
  /** The user as `Users currently editing the configuration` lists them. */
  readonly who: string;
  apply(candidate: LabSwitchConfig): void;
  /** A commit from the shared candidate made the change active: it is no longer pending. */
  committed(): void;
}

type Candidate = { readonly kind: 'shared' | 'private'; config: LabSwitchConfig };

/**
 * The Junos-like CLI of a lab switch: operational mode, and configuration mode on the shared
 * candidate (`configure`, which holds other users' uncommitted changes and commits them too)
 * or a private one (`configure private`, refused while the shared candidate has uncommitted
 * changes). `commit` checks the candidate and makes it active unless another user holds the
 * database exclusively; `rollback` throws the changes away.
 */
export class JunosCli implements LabCli {
  private candidate: Candidate | undefined;
  /**
   * The question `exit` asks when the candidate holds uncommitted changes, while it waits for the
   * answer.
   */
  private question: string | undefined;

  constructor(
    private readonly db: JunosDatabase,
    private readonly user: string,
    private readonly faults: CliFaults,
  ) {}

  prompt(): string {
    if (this.question !== undefined) return this.question;
    return `${this.user}@${this.db.running().hostname}${this.candidate === undefined ? '>' : '#'} `;
  }

  handle(raw: string): CliAnswer {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (this.question !== undefined) return this.answer(line);
    if (line === '') return { output: this.candidate === undefined ? '' : '\n[edit]' };
    if (this.candidate === undefined) return this.operational(line);
    const answer = this.configuration(line, this.candidate);
    return this.candidate === undefined
      ? answer
      : { ...answer, output: `${answer.output}\n\n[edit]` };
  }

  private editors(who: string, context = '[edit]'): string {
    return `Users currently editing the configuration:\n  ${who}\n      ${context}`;
  }

  private enter(line: string): CliAnswer {
    const edits = this.db.sharedEdits();
    if (line === 'configure private') {
      if (edits !== undefined)
        return {
          output: `error: shared configuration database modified\n${this.editors(edits.who)}`,
        };
      this.candidate = { kind: 'private', config: this.db.running().clone() };
      return {
        output:
          'warning: uncommitted changes will be discarded on exit\nEntering configuration mode\n\n[edit]',
      };
    }
    if (line === 'configure exclusive') {
      const holder = this.db.exclusiveHolder();
      if (holder !== undefined)
        return {
          output: `error: configuration database locked by:\n  ${holder}\n      exclusive [edit]`,
        };
      if (edits !== undefined)
        return {
          output: `error: shared configuration database modified\n${this.editors(edits.who)}`,
        };
    }
    const config = this.db.running().clone();
    edits?.apply(config);
    this.candidate = { kind: 'shared', config };
    const warning =
      edits === undefined
        ? ''
        : `\n${this.editors(edits.who)}\nThe configuration has been changed but not committed`;
    return { output: `Entering configuration mode${warning}\n\n[edit]` };
  }

  private operational(line: string): CliAnswer {
    let m: RegExpExecArray | null;
    if (line === 'cli') return { output: '' };
    if ((m = /^set cli screen-(length|width) (\d+)$/.exec(line)))
      return { output: `Screen ${m[1]} set to ${m[2]}` };
    if (line === 'configure' || line === 'configure private' || line === 'configure exclusive')
      return this.enter(line);
    if (line === 'show configuration') return { output: this.db.running().render().trimEnd() };
    if (line === 'show configuration vlans') return { output: this.db.running().renderVlans() };
    if ((m = /^show configuration interfaces (\S+)$/.exec(line))) {
      if (!PORT.test(m[1] as string))
        return {
          output: `${' '.repeat(this.prompt().length + line.length - (m[1] as string).length)}^\nsyntax error, expecting <interface-name>.`,
        };
      return { output: this.db.running().renderPort(m[1] as string) };
    }
    if (line === 'exit' || line === 'quit') return { output: '', close: true };
    return { output: `${' '.repeat(this.prompt().length)}^\nunknown command.` };
  }

  private configuration(line: string, candidate: Candidate): CliAnswer {
    const c = candidate.config;
    if (line === 'exit' || line === 'quit' || line === 'exit configuration-mode') {
      if (this.uncommitted(candidate)) {
        this.question = `${candidate.kind === 'private' ? 'Discard' : 'Exit with'} uncommitted changes? [yes,no] (yes) `;
        return { output: 'The configuration has been changed but not committed' };
      }
      this.candidate = undefined;
      return { output: 'Exiting configuration mode' };
    }
    if (line === 'rollback' || line === 'rollback 0') {
      candidate.config = this.db.running().clone();
      if (candidate.kind === 'shared') this.db.sharedEdits()?.apply(candidate.config);
      return { output: 'load complete' };
    }
    if (this.faults.takeRefusal())
      return {
        output: 'error: configuration database modified\nerror: command rejected by the device',
      };
    if (line === 'commit' || line === 'commit and-quit')
      return this.commit(candidate, line === 'commit and-quit');
    const answer = this.edit(line, c);
    c.prune();
    return answer;
  }

  /**
   * Whether the candidate differs from what is active (in a shared one, others' changes count too).
   */
  private uncommitted(candidate: Candidate): boolean {
    return candidate.config.render() !== this.db.running().render();
  }

  /**
   * yes (the default) leaves configuration mode, dropping a private candidate's changes; no stays.
   */
  private answer(line: string): CliAnswer {
    if (line !== '' && line !== 'yes' && line !== 'no')
      return { output: "Please answer 'yes' or 'no'." };
    this.question = undefined;
    if (line === 'no') return { output: '\n[edit]' };
    this.candidate = undefined;
    return { output: 'Exiting configuration mode' };
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
      if (holder !== undefined && holder !== m[1])
        return { output: `error: vlan-id ${id} is already used by vlan ${holder}` };
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
    // A member is a VLAN name or a vlan-id, kept as typed; the commit checks that it exists.
    if (
      verb === 'set' &&
      (m = new RegExp(
        `^${ES} vlan members (?:(${MEMBER.source})|\\[ ((?:${MEMBER.source} )+)\\])$`,
      ).exec(rest))
    ) {
      const add = ((m[1] ?? m[2]) as string).trim().split(' ');
      if (add.some((v) => /^\d+$/.test(v) && !(Number(v) >= 1 && Number(v) <= 4094)))
        return this.syntaxError();
      p.members = [
        ...(p.members ?? []),
        ...add.filter((v, i) => !(p.members ?? []).includes(v) && add.indexOf(v) === i),
      ];
      return { output: '' };
    }
    if (
      verb === 'delete' &&
      (m = new RegExp(`^${ES} vlan members (${MEMBER.source})$`).exec(rest))
    ) {
      const member = m[1] as string;
      if (!(p.members ?? []).includes(member)) return notFound;
      p.members = (p.members ?? []).filter((v) => v !== member);
      if (p.members.length === 0) delete p.members;
      return { output: '' };
    }
    if (verb === 'delete' && rest === `${ES} vlan`) {
      if (p.members === undefined) return notFound;
      delete p.members;
      return { output: '' };
    }
    if (verb === 'delete' && rest === ES) {
      if (p.mode === undefined && p.members === undefined) return notFound;
      delete p.mode;
      delete p.members;
      return { output: '' };
    }
    return this.syntaxError();
  }

  private commit(candidate: Candidate, quit: boolean): CliAnswer {
    const c = candidate.config;
    const holder = this.db.exclusiveHolder();
    if (holder !== undefined)
      return {
        output: `error: configuration database locked by:\n  ${holder}\n      exclusive [edit]`,
      };
    const errors: string[] = [];
    for (const name of c.portNames()) {
      const p = c.port(name);
      for (const v of p.members ?? []) {
        if (c.vlanId(v) === undefined) {
          errors.push(
            `[edit interfaces ${name} ${ES}]\n  'vlan'\n    error: ${/^\d+$/.test(v) ? `vlan-id ${v}` : `vlan ${v}`} is not defined`,
          );
        }
      }
      if (p.mode === 'access' && (p.members?.length ?? 0) > 1)
        errors.push(
          `[edit interfaces ${name} ${ES}]\n  error: Access interface ${name}.0 has more than one vlan member`,
        );
    }
    if (errors.length > 0)
      return { output: `${errors.join('\n')}\nerror: configuration check-out failed` };
    this.db.activate(c.clone());
    if (candidate.kind === 'shared') this.db.sharedEdits()?.committed();
    const delayMs = this.db.commitMs();
    if (quit) {
      this.candidate = undefined;
      return { output: 'commit complete\nExiting configuration mode', delayMs };
    }
    return { output: 'commit complete', delayMs };
  }
}
