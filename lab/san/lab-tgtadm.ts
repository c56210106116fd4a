import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import { fail, ok, type LabArrayModel, type LabTarget } from './lab-array-model';

const EINVAL = 22;

function options(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] ?? '';
    if (a === '--force') out.set('force', 'yes');
    else if (a === '-C' || a === '--control-port' || a.startsWith('--'))
      out.set(a === '-C' ? 'control-port' : a.slice(2), argv[(i += 1)] ?? '');
    else out.set('?', a);
  }
  return out;
}

/** How this tgt release prints a target. */
export interface TgtadmLook {
  /** Logical unit lines (by label) this release does not print. */
  readonly omits: readonly string[];
}

function show(target: LabTarget, look: TgtadmLook): string {
  // As tgt 1.0.85 prints a logical unit (the lab keeps no sizes: every disk shows 1 GiB).
  const lun = (n: number, backing: string | undefined): string[] =>
    [
      `        LUN: ${n}`,
      `            Type: ${backing === undefined ? 'controller' : 'disk'}`,
      `            SCSI ID: IET     ${String(target.tid).padStart(4, '0')}${String(n).padStart(4, '0')}`,
      `            SCSI SN: beaf${target.tid}${n}`,
      `            Size: ${backing === undefined ? '0 MB, Block size: 1' : '1074 MB, Block size: 512'}`,
      '            Online: Yes',
      '            Removable media: No',
      '            Prevent removal: No',
      '            Readonly: No',
      '            SWP: No',
      '            Thin-provisioning: No',
      `            Backing store type: ${backing === undefined ? 'null' : 'rdwr'}`,
      `            Backing store path: ${backing ?? 'None'}`,
      '            Backing store flags: ',
    ].filter((l) => !look.omits.some((label) => l.trimStart().startsWith(`${label}:`)));
  return [
    `Target ${target.tid}: ${target.name}`,
    '    System information:',
    '        Driver: iscsi',
    '        State: ready',
    '    I_T nexus information:',
    '    LUN information:',
    ...lun(0, undefined),
    ...[...target.luns].sort(([a], [b]) => a - b).flatMap(([n, b]) => lun(n, b)),
    '    Account information:',
    ...[...target.chap.values()].map((a) => `        ${a.user}`),
    '    ACL information:',
    ...[...target.acl.keys()].map((name) => `        ${name}`),
    '',
  ].join('\n');
}

/**
 * Debian tgt's tgtadm as the lab array answers it: same options, same messages, exit 22 on error.
 */
export function runTgtadm(
  model: LabArrayModel,
  argv: readonly string[],
  look: TgtadmLook,
): ExecResult {
  const o = options(argv);
  if (o.has('?') || o.get('lld') !== 'iscsi') return fail('tgtadm: invalid request', EINVAL);
  const mode = o.get('mode');
  const op = o.get('op');
  const tid = o.has('tid') ? Number(o.get('tid')) : undefined;
  const target = tid === undefined ? undefined : model.targets.get(tid);
  if (mode === 'target' && op === 'show') {
    if (tid !== undefined)
      return target === undefined
        ? fail("tgtadm: can't find the target", EINVAL)
        : ok(show(target, look));
    return ok(
      [...model.targets.values()]
        .sort((a, b) => a.tid - b.tid)
        .map((t) => show(t, look))
        .join(''),
    );
  }
  if (mode === 'target' && op === 'new') {
    const name = o.get('targetname');
    if (tid === undefined || !(tid > 0) || name === undefined)
      return fail('tgtadm: invalid request', EINVAL);
    if (target !== undefined || model.targetByName(name) !== undefined)
      return fail('tgtadm: this target already exists', EINVAL);
    model.addTarget(name, tid);
    return ok();
  }
  if (target === undefined) return fail("tgtadm: can't find the target", EINVAL);
  if (mode === 'target' && op === 'delete') {
    model.targets.delete(target.tid);
    return ok();
  }
  if (mode === 'target' && (op === 'bind' || op === 'unbind')) {
    const who = o.get('initiator-name') ?? o.get('initiator-address');
    if (who === undefined) return fail('tgtadm: invalid request', EINVAL);
    if (op === 'bind') {
      if (target.acl.has(who))
        return fail('tgtadm: this access control rule already exists', EINVAL);
      target.acl.set(who, 'all');
    } else if (!target.acl.delete(who)) {
      return fail('tgtadm: this access control rule does not exist', EINVAL);
    }
    return ok();
  }
  if (mode === 'logicalunit') {
    const lun = Number(o.get('lun'));
    if (!Number.isInteger(lun) || lun < 1) return fail('tgtadm: invalid request', EINVAL);
    if (op === 'new') {
      const backing = o.get('backing-store');
      if (backing === undefined || !model.files.has(backing))
        return fail('tgtadm: invalid request', EINVAL);
      if (target.luns.has(lun))
        return fail('tgtadm: this logical unit number already exists', EINVAL);
      target.luns.set(lun, backing);
      return ok();
    }
    if (op === 'delete')
      return target.luns.delete(lun) ? ok() : fail("tgtadm: can't find the logical unit", EINVAL);
  }
  return fail('tgtadm: invalid request', EINVAL);
}
