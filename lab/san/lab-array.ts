import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import { DEFAULT_BACKING_DIR } from '../../drivers/storage/ssh-array-driver';
import { LUN_NUMBER, lunIdOfTarget, lunTargetIqn } from '../../drivers/storage/lun-target';
import type { StorageArray } from '../../inventory/topology-schema';
import { fail, LabArrayModel, ok, type LabBackstore, type LabGrant } from './lab-array-model';
import { runTargetcli } from './lab-targetcli';
import { runTgtadm } from './lab-tgtadm';

/** What an array keeps across a lab restart: its targets, ACLs, storage objects, files, and the slow-array fault. */
export interface LabArraySnapshot {
  readonly targets: ReadonlyArray<{ readonly tid: number; readonly name: string; readonly luns: ReadonlyArray<readonly [number, string]>; readonly acl: ReadonlyArray<readonly [string, LabGrant]> }>;
  readonly backstores: ReadonlyArray<readonly [string, LabBackstore]>;
  readonly files: readonly string[];
  readonly copiedFrom: ReadonlyArray<readonly [string, string]>;
  readonly latencyMs: number;
}

/**
 * One simulated iSCSI array. It starts with every topology LUN provisioned in rackshift's
 * one-target-per-LUN layout and answers the CLI of its kind (tgtadm or targetcli) plus the
 * cp/rm that clones use. A slow array (the fault) answers every command `latencyMs` late.
 */
export class LabArray {
  readonly model = new LabArrayModel();
  latencyMs = 0;
  private commands = 0;

  constructor(readonly spec: StorageArray) {
    for (const lun of spec.luns) {
      const backing = lun.backing ?? `${DEFAULT_BACKING_DIR}/${lun.id}.img`;
      this.model.files.add(backing);
      this.model.addTarget(lunTargetIqn(spec.targetIqn, lun.id)).luns.set(LUN_NUMBER, backing);
      if (spec.kind === 'lio') this.model.backstores.set(lun.id, { kind: backing.startsWith('/dev/') ? 'block' : 'fileio', path: backing });
    }
  }

  snapshot(): LabArraySnapshot {
    const m = this.model;
    return {
      targets: [...m.targets.values()].map((t) => ({ tid: t.tid, name: t.name, luns: [...t.luns], acl: [...t.acl].map(([who, g]) => [who, g === 'all' ? g : [...g]] as const) })),
      backstores: [...m.backstores],
      files: [...m.files],
      copiedFrom: [...m.copiedFrom],
      latencyMs: this.latencyMs,
    };
  }

  /** Replaces the topology's first state with what an earlier lab wrote down. */
  restore(kept: LabArraySnapshot): void {
    const m = this.model;
    m.targets.clear();
    for (const t of kept.targets) m.targets.set(t.tid, { tid: t.tid, name: t.name, luns: new Map(t.luns), acl: new Map(t.acl.map(([who, g]) => [who, g === 'all' ? g : [...g]])) });
    m.backstores.clear();
    for (const [name, b] of kept.backstores) m.backstores.set(name, b);
    m.files.clear();
    for (const f of kept.files) m.files.add(f);
    m.copiedFrom.clear();
    for (const [clone, source] of kept.copiedFrom) m.copiedFrom.set(clone, source);
    this.latencyMs = kept.latencyMs;
  }

  /** Grants `initiator` the LUN the way the array's own CLI would (used to seed the data center as it runs today). */
  grant(lunId: string, initiator: string): void {
    const target = this.model.targetByName(lunTargetIqn(this.spec.targetIqn, lunId));
    target?.acl.set(initiator, this.spec.kind === 'tgt' ? 'all' : [LUN_NUMBER]);
  }

  lunsVisibleTo(initiator: string): string[] {
    return [...this.model.targets.values()]
      .filter((t) => this.model.visible(t, initiator).includes(LUN_NUMBER))
      .map((t) => lunIdOfTarget(this.spec.targetIqn, t.name))
      .filter((id): id is string => id !== undefined)
      .sort();
  }

  private backingOf(lunId: string): string | undefined {
    return this.model.targetByName(lunTargetIqn(this.spec.targetIqn, lunId))?.luns.get(LUN_NUMBER);
  }

  lunExists(lunId: string): boolean {
    const backing = this.backingOf(lunId);
    return backing !== undefined && this.model.files.has(backing);
  }

  /** The LUN whose backing file `lunId`'s backing was copied from (a snapshot clone's source), if any. */
  cloneSource(lunId: string): string | undefined {
    return this.sourceOf(this.backingOf(lunId));
  }

  private sourceOf(backing: string | undefined): string | undefined {
    const source = backing === undefined ? undefined : this.model.copiedFrom.get(backing);
    const target = source === undefined ? undefined : [...this.model.targets.values()].find((t) => t.luns.get(LUN_NUMBER) === source);
    return target === undefined ? undefined : lunIdOfTarget(this.spec.targetIqn, target.name);
  }

  /** Called after every command, which may have changed the array. */
  onChange: () => void = () => undefined;

  async exec(command: string): Promise<ExecResult> {
    this.commands += 1;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const result = this.run(command);
    this.onChange();
    return result;
  }

  private run(command: string): ExecResult {
    const [program = '', ...argv] = command.trim().split(/\s+/);
    if (program === 'tgtadm' && this.spec.kind === 'tgt') return runTgtadm(this.model, argv);
    if (program === 'targetcli' && this.spec.kind === 'lio') return runTargetcli(this.model, argv);
    if (program === 'cp') {
      const [source = '', clone = ''] = argv.filter((a) => !a.startsWith('-'));
      if (!this.model.files.has(source)) return fail(`cp: cannot stat '${source}': No such file or directory`);
      this.model.files.add(clone);
      this.model.copiedFrom.set(clone, source);
      return ok();
    }
    if (program === 'rm') {
      for (const f of argv.filter((a) => !a.startsWith('-'))) {
        this.model.files.delete(f);
        this.model.copiedFrom.delete(f);
      }
      return ok();
    }
    return fail(`sh: 1: ${program}: not found`, 127);
  }

  describe(): unknown {
    return {
      kind: this.spec.kind,
      latencyMs: this.latencyMs,
      commands: this.commands,
      luns: Object.fromEntries(
        [...this.model.targets.values()].map((t) => {
          const backing = t.luns.get(LUN_NUMBER);
          const cloneOf = this.sourceOf(backing);
          return [
            lunIdOfTarget(this.spec.targetIqn, t.name) ?? t.name,
            { target: t.name, backing: backing ?? null, initiators: [...t.acl.keys()].sort(), ...(cloneOf !== undefined && { cloneOf }) },
          ];
        }),
      ),
    };
  }
}
