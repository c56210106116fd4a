import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import type { ChapAccount } from '../../drivers/storage/chap-account';

/**
 * What a lab initiator is granted on a target: every LUN (tgt's bind) or the LUNs mapped to it
 * (LIO's ACL).
 */
export type LabGrant = 'all' | number[];

export interface LabTarget {
  readonly tid: number;
  readonly name: string;
  /** LUN number → backing path. */
  readonly luns: Map<number, string>;
  /** Initiator name (or tgt's `ALL`) → what it may see. */
  readonly acl: Map<string, LabGrant>;
  /**
   * Incoming CHAP accounts: `*` for tgt's target-wide binding, an initiator name for an LIO ACL's
   * `auth`.
   */
  readonly chap: Map<string, ChapAccount>;
  /**
   * LIO's tpg `authentication` attribute: CHAP is enforced only when it is 1 (tgt enforces any
   * bound account).
   */
  authentication: boolean;
}

/** A target's CHAP state copied, for snapshots and saveconfig. */
export function copyTarget(t: LabTarget): LabTarget {
  return {
    ...t,
    luns: new Map(t.luns),
    acl: new Map([...t.acl].map(([k, g]) => [k, g === 'all' ? g : [...g]])),
    chap: new Map(t.chap),
  };
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
  /**
   * LIO's /etc/target/saveconfig.json: what `targetcli saveconfig` last wrote, restored when the
   * target service starts.
   */
  saved:
    | { readonly targets: LabTarget[]; readonly backstores: Array<[string, LabBackstore]> }
    | undefined;

  /** A deep copy of the targets and storage objects, as saveconfig writes them. */
  snapshot(): NonNullable<LabArrayModel['saved']> {
    return {
      targets: [...this.targets.values()].map(copyTarget),
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
    const target: LabTarget = {
      tid,
      name,
      luns: new Map(),
      acl: new Map(),
      chap: new Map(),
      authentication: false,
    };
    this.targets.set(tid, target);
    return target;
  }

  /** LUN numbers of `target` that `initiator` sees. */
  visible(target: LabTarget, initiator: string): number[] {
    const grant = target.acl.get(initiator) ?? target.acl.get('ALL');
    if (grant === undefined) return [];
    return grant === 'all' ? [...target.luns.keys()] : grant.filter((n) => target.luns.has(n));
  }

  /**
   * Why a login of `initiator` to `target` offering `offered` fails CHAP, or undefined when it
   * passes: tgt demands an account whenever one is bound; LIO when the TPG's authentication is on.
   */
  chapRefusal(
    target: LabTarget,
    initiator: string,
    kind: 'tgt' | 'lio',
    offered: ChapAccount | undefined,
  ): string | undefined {
    const wanted = kind === 'tgt' ? target.chap.get('*') : target.chap.get(initiator);
    const enforced = kind === 'tgt' ? wanted !== undefined : target.authentication;
    if (!enforced) return undefined;
    if (offered === undefined)
      return `login to ${target.name} failed: the target requires CHAP and ${initiator} offered none (Authentication failure)`;
    if (wanted === undefined || wanted.user !== offered.user || wanted.secret !== offered.secret) {
      return `login to ${target.name} as CHAP user ${offered.user} failed: wrong user or secret (Authentication failure)`;
    }
    return undefined;
  }
}

export function ok(stdout = ''): ExecResult {
  return { stdout, stderr: '', code: 0 };
}

export function fail(stderr: string, code = 1, stdout = ''): ExecResult {
  return { stdout, stderr: `${stderr}\n`, code };
}
