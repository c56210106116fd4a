import { WWPN_PATTERN } from '../../inventory/patterns';
import type { CliAnswer, LabCli } from '../switch/lab-cli';
import type { FosProfile } from './fos-profiles';
import type { FosZoning, ZoneDb } from './fos-zone-db';

/** Injected faults of a lab fabric. */
export interface FosFaults {
  /** The next N cfgenable commands fail after their "y" (the transaction stays open). */
  refuseEnable: number;
}

/** Texts FOS prints; the cfgtransshow ones are the ones Cinder's Brocade CLI client matches. */
const FOS_TEXT = {
  noTransaction: 'There is no outstanding zoning transaction',
  notOwner: 'there is an outstanding transaction, and you are not the owner of that transaction',
  duplicate: (name: string) => `error: "${name}" duplicate name`,
  notFound: (name: string) => `error: "${name}" not found`,
  cfgNotFound: (cfg: string) => `zone config "${cfg}" not found`,
  alreadyMember: (member: string, of: string) =>
    `error: "${member}" is already a member of "${of}"`,
  notMember: (member: string, of: string) => `error: "${member}" not a member of "${of}"`,
  invalidMember: (member: string) => `error: "${member}" invalid member`,
  nothingToSave: 'Nothing changed: nothing to save, returning ...',
  inEffect: (cfg: string) => `zone config "${cfg}" is in effect\nUpdating flash ...`,
  enableFailed: 'error: zone config update failed: fabric is busy',
  flash: 'Updating flash ...',
} as const;

const QUESTIONS = {
  cfgenable: (cfg: string) => ({
    preamble: [
      'You are about to enable a new zoning configuration.',
      'This action will replace the old zoning configuration with the',
      'current configuration selected.',
    ].join('\n'),
    question: `Do you want to enable '${cfg}' configuration  (yes, y, no, n): [no] `,
  }),
  cfgsave: () => ({
    preamble:
      'You are about to save the Defined zoning configuration. This\naction will only save the changes on Defined configuration.',
    question: 'Do you want to save the Defined zoning configuration only?  (yes, y, no, n): [no] ',
  }),
  cfgdisable: () => ({
    preamble:
      'You are about to disable zoning configuration. This\naction will disable any previous zoning configuration enabled.',
    question: 'Do you want to disable zoning configuration? (yes, y, no, n): [no] ',
  }),
};

/**
 * `zonecreate "z1", "a; b"` → ['z1', 'a; b']: FOS operands are comma-separated, optionally quoted.
 */
function operands(rest: string): string[] {
  return rest
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((o) =>
      o
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim(),
    )
    .filter((o) => o !== '');
}

function list(operand: string | undefined): string[] {
  return (operand ?? '')
    .split(';')
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => (WWPN_PATTERN.test(m.toLowerCase()) ? m.toLowerCase() : m));
}

/** `cfg:\tname\tm1; m2; m3` with continuation lines, as each profile prints a database entry. */
function entry(
  kind: string,
  name: string,
  members: readonly string[],
  style: 'same-line' | 'next-lines' | 'one-per-line',
): string[] {
  if (style === 'one-per-line') return [` ${kind}:\t${name}\t`, ...members.map((m) => `\t\t${m}`)];
  const rows: string[] = [];
  for (let i = 0; i < members.length; i += 3)
    rows.push(members.slice(i, i + 3).join('; ') + (i + 3 < members.length ? ';' : ''));
  if (style === 'next-lines') return [` ${kind}:\t${name}\t`, ...rows.map((r) => `\t\t${r}`)];
  return [` ${kind}:\t${name}\t${rows[0] ?? ''}`, ...rows.slice(1).map((r) => `\t\t${r}`)];
}

function renderCfgShow(
  defined: ZoneDb,
  zoning: FosZoning,
  profile: FosProfile,
  part: 'both' | 'effective',
): string {
  const out: string[] = [];
  if (part === 'both') {
    out.push('Defined configuration:');
    if (defined.cfgs.size === 0 && defined.zones.size === 0) out.push(' no configuration defined');
    for (const [cfg, zones] of defined.cfgs)
      out.push(...entry('cfg', cfg, zones, profile.definedMembers));
    for (const [zone, members] of defined.zones)
      out.push(...entry('zone', zone, members, profile.definedMembers));
    out.push('');
  }
  out.push('Effective configuration:');
  const effective = zoning.effective;
  if (effective === undefined) out.push(' no configuration in effect');
  else {
    out.push(` cfg:\t${effective.cfg}\t`);
    for (const [zone, members] of effective.zones)
      out.push(...entry('zone', zone, members, profile.effectiveMembers));
  }
  return `${out.join('\n')}\n`;
}

/**
 * One CLI session of a lab Brocade switch: FOS's zoning commands with their confirmations,
 * transactions owned by the session whose edit opened them (aborted when it logs out), and
 * FOS's refusals: duplicate names, unknown zones and members, another session's transaction,
 * a cfgremove that empties a configuration deleting it.
 */
export class FosCli implements LabCli {
  private pending: { readonly question: string; readonly run: () => string } | undefined;

  constructor(
    readonly session: number,
    private readonly zoning: FosZoning,
    private readonly profile: FosProfile,
    private readonly promptText: string,
    private readonly faults: FosFaults,
    private readonly log: (session: number, line: string) => void,
  ) {}

  prompt(): string {
    return this.pending?.question ?? this.promptText;
  }

  /** The session ended: FOS aborts a transaction whose owner logged out. */
  closed(): void {
    this.zoning.abort(this.session);
  }

  handle(raw: string): CliAnswer {
    const line = raw.trim();
    this.log(this.session, line);
    if (this.pending !== undefined) {
      const { run } = this.pending;
      this.pending = undefined;
      return { output: /^(?:y|yes)$/i.test(line) ? run() : '' };
    }
    const [, command = '', rest = ''] = /^(\S*)\s*(.*)$/.exec(line) ?? [];
    const args = operands(rest);
    switch (command.toLowerCase()) {
      case '':
        return { output: '' };
      case 'exit':
      case 'logout':
        return { output: '', close: true };
      case 'cfgshow':
      case 'zoneshow':
        return {
          output: renderCfgShow(this.zoning.view(this.session), this.zoning, this.profile, 'both'),
        };
      case 'cfgactvshow':
        return {
          output: renderCfgShow(
            this.zoning.view(this.session),
            this.zoning,
            this.profile,
            'effective',
          ),
        };
      case 'cfgtransshow':
        return { output: this.transShow() };
      case 'cfgtransabort':
        return { output: this.transAbort() };
      case 'cfgsave':
        return this.ask(QUESTIONS.cfgsave(), () => this.save());
      case 'cfgdisable':
        return this.ask(QUESTIONS.cfgdisable(), () => this.disable());
      case 'cfgenable': {
        const cfg = args[0] ?? '';
        if (!this.zoning.view(this.session).cfgs.has(cfg))
          return { output: FOS_TEXT.cfgNotFound(cfg) };
        return this.ask(QUESTIONS.cfgenable(cfg), () => this.enableNow(cfg));
      }
      default:
        return {
          output: this.edit(command.toLowerCase(), args) ?? `rbash: ${command}: command not found`,
        };
    }
  }

  private ask(q: { preamble: string; question: string }, run: () => string): CliAnswer {
    this.pending = { question: q.question, run };
    return { output: q.preamble };
  }

  private transShow(): string {
    const t = this.zoning.transaction;
    if (t === undefined) return FOS_TEXT.noTransaction;
    return `Current transaction token is 0x${t.token.toString(16)}\nIt is ${t.owner === this.session ? '' : 'not '}abortable`;
  }

  private transAbort(): string {
    const t = this.zoning.transaction;
    if (t === undefined) return FOS_TEXT.noTransaction;
    return this.zoning.abort(this.session) ? '' : FOS_TEXT.notOwner;
  }

  private save(): string {
    if (this.zoning.transaction?.owner !== this.session)
      return this.zoning.transaction === undefined ? FOS_TEXT.nothingToSave : FOS_TEXT.notOwner;
    this.zoning.commit(this.session);
    return FOS_TEXT.flash;
  }

  private disable(): string {
    if (this.zoning.transaction !== undefined && this.zoning.transaction.owner !== this.session)
      return FOS_TEXT.notOwner;
    this.zoning.commit(this.session);
    this.zoning.effective = undefined;
    return FOS_TEXT.flash;
  }

  private enableNow(cfg: string): string {
    if (this.zoning.transaction !== undefined && this.zoning.transaction.owner !== this.session)
      return FOS_TEXT.notOwner;
    if (this.faults.refuseEnable > 0) {
      this.faults.refuseEnable -= 1;
      return FOS_TEXT.enableFailed;
    }
    const db = this.zoning.view(this.session);
    for (const zone of db.cfgs.get(cfg) ?? []) {
      for (const member of db.zones.get(zone) ?? [])
        if (!WWPN_PATTERN.test(member)) return FOS_TEXT.invalidMember(member);
    }
    this.zoning.commit(this.session);
    this.zoning.enable(this.zoning.defined, cfg);
    return FOS_TEXT.inEffect(cfg);
  }

  /** The transaction-opening edits; undefined for a command FOS would not know. */
  private edit(command: string, args: readonly string[]): string | undefined {
    const edits: Record<string, (db: ZoneDb, name: string, members: string[]) => string> = {
      zonecreate: (db, name, members) => {
        if (db.zones.has(name) || db.cfgs.has(name)) return FOS_TEXT.duplicate(name);
        const bad = members.find((m) => !WWPN_PATTERN.test(m));
        if (bad !== undefined || members.length === 0) return FOS_TEXT.invalidMember(bad ?? '');
        db.zones.set(name, members);
        return '';
      },
      zoneadd: (db, name, members) =>
        this.addTo(db.zones, name, members, (m) => WWPN_PATTERN.test(m)),
      zoneremove: (db, name, members) => this.removeFrom(db, db.zones, name, members),
      zonedelete: (db, name) => {
        if (!db.zones.delete(name)) return FOS_TEXT.notFound(name);
        this.dropFromCfgs(db, name);
        return '';
      },
      cfgcreate: (db, name, members) => {
        if (db.zones.has(name) || db.cfgs.has(name)) return FOS_TEXT.duplicate(name);
        const missing = members.find((z) => !db.zones.has(z));
        if (missing !== undefined || members.length === 0) return FOS_TEXT.notFound(missing ?? '');
        db.cfgs.set(name, members);
        return '';
      },
      cfgadd: (db, name, members) => this.addTo(db.cfgs, name, members, (z) => db.zones.has(z)),
      cfgremove: (db, name, members) => this.removeFrom(db, db.cfgs, name, members),
      cfgdelete: (db, name) => (db.cfgs.delete(name) ? '' : FOS_TEXT.notFound(name)),
    };
    const run = edits[command];
    if (run === undefined) return undefined;
    const transaction = this.zoning.open(this.session);
    if (transaction === undefined) return FOS_TEXT.notOwner;
    const [name = '', members] = args;
    return run(transaction.working, name, list(members));
  }

  private addTo(
    map: Map<string, string[]>,
    name: string,
    members: readonly string[],
    known: (m: string) => boolean,
  ): string {
    const current = map.get(name);
    if (current === undefined) return FOS_TEXT.notFound(name);
    for (const m of members) {
      if (!known(m)) return FOS_TEXT.invalidMember(m);
      if (current.includes(m)) return FOS_TEXT.alreadyMember(m, name);
    }
    current.push(...members);
    return '';
  }

  /**
   * Removing the last member deletes the object: an emptied zone leaves its configurations, an
   * emptied configuration is gone.
   */
  private removeFrom(
    db: ZoneDb,
    map: Map<string, string[]>,
    name: string,
    members: readonly string[],
  ): string {
    const current = map.get(name);
    if (current === undefined) return FOS_TEXT.notFound(name);
    const missing = members.find((m) => !current.includes(m));
    if (missing !== undefined) return FOS_TEXT.notMember(missing, name);
    const left = current.filter((m) => !members.includes(m));
    if (left.length > 0) map.set(name, left);
    else {
      map.delete(name);
      if (map === db.zones) this.dropFromCfgs(db, name);
    }
    return '';
  }

  private dropFromCfgs(db: ZoneDb, zone: string): void {
    for (const [cfg, zones] of [...db.cfgs]) {
      const left = zones.filter((z) => z !== zone);
      if (left.length === 0) db.cfgs.delete(cfg);
      else db.cfgs.set(cfg, left);
    }
  }
}
