import type { ExecResult } from '../../drivers/ssh/ssh-transport';

/** What a lab initiator is granted on a target: every LUN (tgt's bind) or the LUNs mapped to it (LIO's ACL). */
export type LabGrant = 'all' | number[];

export interface LabTarget {
  readonly tid: number;
  readonly name: string;
  /** LUN number → backing path. */
  readonly luns: Map<number, string>;
  /** Initiator name (or tgt's `ALL`) → what it may see. */
  readonly acl: Map<string, LabGrant>;
}

export interface LabBackstore {
  readonly kind: 'fileio' | 'block';
  readonly path: string;
}

/**
 * The state of one lab array, shared by its tgtadm and targetcli dialects: targets with
 * logical units and ACLs, LIO storage objects, and which backing files exist (and which
 * were copied from which).
 */
export class LabArrayModel {
  readonly targets = new Map<number, LabTarget>();
  readonly backstores = new Map<string, LabBackstore>();
  readonly files = new Set<string>();
  /** Backing file → the file it was copied from (how the lab knows a clone's source). */
  readonly copiedFrom = new Map<string, string>();
  /** Configuration files on the array host (tgt's conf.d), path → content. */
  readonly confFiles = new Map<string, string>();
  /** LIO's /etc/target/saveconfig.json: what `targetcli saveconfig` last wrote, restored when the target service starts. */
  saved: { readonly targets: LabTarget[]; readonly backstores: Array<[string, LabBackstore]> } | undefined;

  /** A deep copy of the targets and storage objects, as saveconfig writes them. */
  snapshot(): NonNullable<LabArrayModel['saved']> {
    return {
      targets: [...this.targets.values()].map((t) => ({ ...t, luns: new Map(t.luns), acl: new Map([...t.acl].map(([k, g]) => [k, g === 'all' ? g : [...g]])) })),
      backstores: [...this.backstores].map(([k, b]) => [k, { ...b }]),
    };
  }

  /** The daemon stops: every target, LUN, ACL and storage object it held in memory is gone. */
  forgetLive(): void {
    this.targets.clear();
    this.backstores.clear();
  }

  targetByName(name: string): LabTarget | undefined {
    return [...this.targets.values()].find((t) => t.name === name);
  }

  addTarget(name: string, tid = Math.max(0, ...this.targets.keys()) + 1): LabTarget {
    const target: LabTarget = { tid, name, luns: new Map(), acl: new Map() };
    this.targets.set(tid, target);
    return target;
  }

  /** LUN numbers of `target` that `initiator` sees. */
  visible(target: LabTarget, initiator: string): number[] {
    const grant = target.acl.get(initiator) ?? target.acl.get('ALL');
    if (grant === undefined) return [];
    return grant === 'all' ? [...target.luns.keys()] : grant.filter((n) => target.luns.has(n));
  }
}

export function ok(stdout = ''): ExecResult {
  return { stdout, stderr: '', code: 0 };
}

export function fail(stderr: string, code = 1, stdout = ''): ExecResult {
  return { stdout, stderr: `${stderr}\n`, code };
}
