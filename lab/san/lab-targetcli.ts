import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import { fail, ok, type LabArrayModel, type LabTarget } from './lab-array-model';

function line(depth: number, name: string, info: string): string {
  const head = `${'  '.repeat(depth)}o- ${name} `;
  return `${head}${'.'.repeat(Math.max(3, 100 - head.length - info.length))} [${info}]`;
}

function backstoreName(model: LabArrayModel, path: string): string {
  for (const [name, b] of model.backstores) if (b.path === path) return `${b.kind}/${name}`;
  return 'fileio/?';
}

/** How this targetcli release draws its tree. */
export interface TargetcliLook {
  /** targetcli-fb 2.1.fb45 and later print a LUN's ALUA group after its backing. */
  readonly aluaGroupInLs: boolean;
}

function tree(model: LabArrayModel, look: TargetcliLook): string {
  const out = [line(0, '/', '...'), line(1, 'backstores', '...')];
  for (const kind of ['block', 'fileio'] as const) {
    const objects = [...model.backstores].filter(([, b]) => b.kind === kind);
    out.push(line(2, kind, `Storage Objects: ${objects.length}`));
    for (const [name, b] of objects)
      out.push(line(3, name, `${b.path} (1.0GiB) write-back activated`));
  }
  const targets = [...model.targets.values()];
  out.push(line(1, 'iscsi', `Targets: ${targets.length}`));
  for (const t of targets) {
    out.push(
      line(2, t.name, 'TPGs: 1'),
      line(3, 'tpg1', t.acl.has('ALL') ? 'gen-acls, no-auth' : 'no-gen-acls, no-auth'),
    );
    const acls = [...t.acl].filter(([name]) => name !== 'ALL');
    out.push(line(4, 'acls', `ACLs: ${acls.length}`));
    for (const [name, grant] of acls) {
      const mapped = grant === 'all' ? [...t.luns.keys()] : grant;
      out.push(line(5, name, `Mapped LUNs: ${mapped.length}`));
      for (const n of mapped)
        out.push(
          line(6, `mapped_lun${n}`, `lun${n} ${backstoreName(model, t.luns.get(n) ?? '')} (rw)`),
        );
    }
    out.push(line(4, 'luns', `LUNs: ${t.luns.size}`));
    const alua = look.aluaGroupInLs ? ' (default_tg_pt_gp)' : '';
    for (const [n, path] of t.luns)
      out.push(line(5, `lun${n}`, `${backstoreName(model, path)} (${path})${alua}`));
    out.push(line(4, 'portals', 'Portals: 1'), line(5, '0.0.0.0:3260', 'OK'));
  }
  return `${out.join('\n')}\n`;
}

function params(args: readonly string[]): Map<string, string> {
  return new Map(
    args
      .filter((a) => a.includes('='))
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
}

function targetOf(
  model: LabArrayModel,
  path: string,
): { target: LabTarget; rest: string } | undefined {
  const m = /^\/iscsi\/([^/]+)\/tpg1(\/.*)?$/.exec(path);
  const target = m === null ? undefined : model.targetByName(m[1] ?? '');
  return target === undefined ? undefined : { target, rest: m?.[2] ?? '' };
}

/**
 * targetcli-fb run with no arguments and stdin not a terminal reads one command per line
 * (its batch mode, which keeps secrets out of argv) and stops at the first that fails.
 */
export function runTargetcliBatch(
  model: LabArrayModel,
  stdin: string,
  look: TargetcliLook,
): ExecResult {
  let stdout = '';
  for (const line of stdin
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')) {
    const r = runTargetcli(model, line.split(/\s+/), look);
    stdout += r.stdout;
    if (r.code !== 0) return { ...r, stdout };
  }
  return ok(stdout);
}

/**
 * The subset of targetcli (targetcli-fb one-shot mode) that rackshift's LIO dialect uses,
 * refusing with targetcli's and rtslib-fb's texts (an existing configFS object is "This
 * <Class> already exists in configFS").
 */
export function runTargetcli(
  model: LabArrayModel,
  argv: readonly string[],
  look: TargetcliLook,
): ExecResult {
  const [path = '', command = '', ...args] = argv;
  if (path === 'ls' || (command === 'ls' && path === '/')) return ok(tree(model, look));
  if (path === 'saveconfig') {
    model.saved = model.snapshot();
    return ok('Configuration saved to /etc/target/saveconfig.json\n');
  }
  const p = params(args);
  const store = /^\/backstores\/(fileio|block)$/.exec(path);
  if (store !== null) {
    const kind = store[1] as 'fileio' | 'block';
    if (command === 'create') {
      const name = p.get('name');
      const file = p.get(kind === 'block' ? 'dev' : 'file_or_dev');
      if (name === undefined || file === undefined) return fail('Missing required parameters');
      if (model.backstores.has(name)) return fail(`Storage object ${kind}/${name} exists`);
      const user = [...model.backstores].find(([, b]) => b.path === file);
      if (user !== undefined) return fail(`storage object for ${file} already exists: ${user[0]}`);
      if (kind === 'block' || !p.has('size')) {
        if (!model.files.has(file))
          return fail(`Could not create StorageObject: ${file} does not exist`);
      } else {
        model.files.add(file);
      }
      model.backstores.set(name, { kind, path: file });
      return ok(`Created ${kind} ${name}.\n`);
    }
    if (command === 'delete') {
      const name = args[0] ?? '';
      return model.backstores.delete(name)
        ? ok(`Deleted storage object ${name}.\n`)
        : fail(`No storage object named ${name}.`);
    }
  }
  if (path === '/iscsi' && command === 'create') {
    const name = args[0] ?? '';
    if (model.targetByName(name) !== undefined)
      return fail('This Target already exists in configFS');
    model.addTarget(name);
    return ok(`Created target ${name}.\nCreated TPG 1.\n`);
  }
  if (path === '/iscsi' && command === 'delete') {
    const target = model.targetByName(args[0] ?? '');
    if (target === undefined) return fail(`No such Target in configfs: ${args[0] ?? ''}`);
    model.targets.delete(target.tid);
    return ok(`Deleted Target ${target.name}.\n`);
  }
  const at = targetOf(model, path);
  if (at === undefined) return fail(`No such path ${path}`);
  const { target, rest } = at;
  if (rest === '/luns' && command === 'create') {
    const b = /^\/backstores\/(?:fileio|block)\/(.+)$/.exec(args[0] ?? '');
    const backstore = b === null ? undefined : model.backstores.get(b[1] ?? '');
    const lun = Number(p.get('lun') ?? Math.max(-1, ...target.luns.keys()) + 1);
    if (backstore === undefined) return fail('storage object or path not valid');
    if ([...target.luns.values()].includes(backstore.path))
      return fail(
        `lun for storage object ${args[0]?.slice('/backstores/'.length) ?? ''} already exists`,
      );
    if (target.luns.has(lun)) return fail('This LUN already exists in configFS');
    target.luns.set(lun, backstore.path);
    return ok(`Created LUN ${lun}.\n`);
  }
  if (rest === '/acls' && command === 'create') {
    const who = args[0] ?? '';
    if (target.acl.has(who)) return fail('This NodeACL already exists in configFS');
    target.acl.set(who, []);
    return ok(`Created Node ACL for ${who}\n`);
  }
  if (rest === '/acls' && command === 'delete') {
    target.chap.delete(args[0] ?? '');
    return target.acl.delete(args[0] ?? '')
      ? ok(`Deleted Node ACL ${args[0] ?? ''}.\n`)
      : fail(`No such NodeACL in configfs: ${args[0] ?? ''}`);
  }
  if (rest === '' && command === 'set' && args[0] === 'attribute' && p.has('authentication')) {
    target.authentication = p.get('authentication') === '1';
    return ok(`Parameter authentication is now '${target.authentication ? 1 : 0}'.\n`);
  }
  const acl = /^\/acls\/([^/]+)$/.exec(rest);
  const grant = acl === null ? undefined : target.acl.get(acl[1] ?? '');
  if (acl !== null && command === 'set' && args[0] === 'auth' && grant !== undefined) {
    const user = p.get('userid');
    const secret = p.get('password');
    if (user === undefined || secret === undefined) return fail('Missing required parameters');
    target.chap.set(acl[1] ?? '', { user, secret });
    return ok(`Parameter userid is now '${user}'.\nParameter password is now '${secret}'.\n`);
  }
  if (acl !== null && command === 'create' && grant !== undefined && grant !== 'all') {
    const mapped = Number(p.get('mapped_lun'));
    const tpgLun = Number(p.get('tpg_lun_or_backstore'));
    if (!target.luns.has(tpgLun)) return fail(`LUN ${tpgLun} does not exist in this TPG`);
    if (grant.includes(tpgLun)) return fail('This MappedLUN already exists in configFS');
    grant.push(tpgLun);
    return ok(`Created Mapped LUN ${mapped}.\n`);
  }
  return fail(`No such path ${path}`);
}
