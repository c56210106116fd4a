import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import { LUN_NUMBER } from '../../drivers/storage/lun-target';
import { tgtIncludeMatches } from '../../drivers/storage/tgt-target-conf';
import { fail, ok, type LabArrayModel } from './lab-array-model';

/** Debian's /etc/tgt/targets.conf: what tgt.service hands `tgt-admin -e` when tgtd starts. */
export const LAB_TGT_TARGETS_CONF = '/etc/tgt/targets.conf';

interface ConfTarget {
  readonly name: string;
  readonly backings: string[];
  readonly addresses: string[];
  readonly names: string[];
  readonly users: Array<{ user: string; secret: string }>;
}

/**
 * The `<target …>` blocks of a configuration file and the files it includes (a glob or a
 * directory).
 */
function parseConf(
  model: LabArrayModel,
  file: string,
  seen = new Set<string>(),
): ConfTarget[] | string {
  const text = model.confFiles.get(file);
  if (text === undefined) return `Config file ${file} not found. Exiting...`;
  seen.add(file);
  const out: ConfTarget[] = [];
  let current: ConfTarget | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const include = /^include\s+(\S+)$/.exec(line);
    const open = /^<target\s+(\S+)>$/.exec(line);
    const option = /^(backing-store|initiator-address|initiator-name)\s+(\S+)$/.exec(line);
    const user = /^incominguser\s+(\S+)\s+(\S+)$/.exec(line);
    if (include !== null && current === undefined) {
      for (const f of [...model.confFiles.keys()]
        .filter((k) => tgtIncludeMatches(include[1] ?? '', k) && !seen.has(k))
        .sort()) {
        const inner = parseConf(model, f, seen);
        if (typeof inner === 'string') return inner;
        out.push(...inner);
      }
    } else if (open !== null && current === undefined) {
      current = { name: open[1] ?? '', backings: [], addresses: [], names: [], users: [] };
    } else if (user !== null && current !== undefined) {
      current.users.push({ user: user[1] ?? '', secret: user[2] ?? '' });
    } else if (line === '</target>' && current !== undefined) {
      out.push(current);
      current = undefined;
    } else if (/^default-driver\s+iscsi$/.test(line) && current === undefined) {
      continue;
    } else if (option !== null && current !== undefined) {
      const value = option[2] ?? '';
      if (option[1] === 'backing-store') current.backings.push(value);
      else if (option[1] === 'initiator-address') current.addresses.push(value);
      else current.names.push(value);
    } else {
      return `Your config file is not supported. See targets.conf.example for details.`;
    }
  }
  return out;
}

/**
 * Creates a target as tgt-admin does: next tid, a LUN per existing backing store (a missing one is
 * skipped), ACLs, ALL when no address is named.
 */
function create(model: LabArrayModel, t: ConfTarget): void {
  const target = model.addTarget(t.name);
  t.backings
    .filter((b) => model.files.has(b))
    .forEach((b, i) => target.luns.set(LUN_NUMBER + i, b));
  for (const a of t.addresses) target.acl.set(a, 'all');
  for (const n of t.names) target.acl.set(n, 'all');
  if (t.addresses.length === 0) target.acl.set('ALL', 'all');
  // tgt accounts are global by user name; tgt-admin creates one only when the name is new, then
  // binds it.
  const [account] = t.users;
  if (account !== undefined) {
    const existing = accountOf(model, account.user);
    target.chap.set('*', existing ?? account);
  }
}

/**
 * The account tgtd already holds under `user` (bound to any target), as `tgtadm --mode account --op
 * show` lists it.
 */
function accountOf(
  model: LabArrayModel,
  user: string,
): { user: string; secret: string } | undefined {
  return [...model.targets.values()]
    .flatMap((t) => [...t.chap.values()])
    .find((a) => a.user === user);
}

/**
 * Debian tgt's tgt-admin as the lab array answers it: `-e` creates every configured target
 * not yet in tgtd, `--update <name>` re-creates one target from the file (the lab has no
 * logged-in sessions, so a target is never "in use"), both reading `-c <file>` (default
 * /etc/tgt/targets.conf, which the array's profile writes).
 */
export function runTgtAdmin(model: LabArrayModel, argv: readonly string[]): ExecResult {
  let conf = LAB_TGT_TARGETS_CONF;
  let mode: 'execute' | 'update' | undefined;
  let name = '';
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] ?? '';
    if (a === '-C' || a === '--control-port') i += 1;
    else if (a === '-c' || a === '--conf') conf = argv[(i += 1)] ?? '';
    else if (a === '-e' || a === '--execute') mode = 'execute';
    else if (a === '--update') {
      mode = 'update';
      name = argv[(i += 1)] ?? '';
    } else return fail(`Unknown option: ${a.replace(/^-+/, '')}`);
  }
  if (mode === undefined) return fail('No action specified.');
  const targets = parseConf(model, conf);
  if (typeof targets === 'string') return fail(targets);
  if (mode === 'execute') {
    for (const t of targets) if (model.targetByName(t.name) === undefined) create(model, t);
    return ok();
  }
  const wanted = targets.find((t) => t.name === name);
  const live = model.targetByName(name);
  if (live !== undefined) model.targets.delete(live.tid);
  if (wanted !== undefined) create(model, wanted);
  else if (live === undefined) return ok(`Target ${name} is currently not configured\n`);
  return ok();
}
