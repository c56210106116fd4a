import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import { DEFAULT_BACKING_DIR } from '../../drivers/storage/ssh-array-driver';
import { LUN_NUMBER, lunIdOfTarget, lunTargetIqn } from '../../drivers/storage/lun-target';
import { DEFAULT_TGT_CONF_DIR } from '../../drivers/storage/tgt-dialect';
import {
  TGT_NO_PEER_ADDRESS,
  tgtConfFile,
  tgtTargetConf,
} from '../../drivers/storage/tgt-target-conf';
import type { StorageArray } from '../../inventory/topology-schema';
import type { ChapAccount } from '../../drivers/storage/chap-account';
import { arrayProfile, arrayProfileNames, type ArrayProfile } from './array-profiles';
import {
  copyTarget,
  fail,
  LabArrayModel,
  ok,
  type LabBackstore,
  type LabGrant,
  type LabTarget,
} from './lab-array-model';
import type { DrbdLinkSnapshot, LabDrbdLink } from './lab-drbd';
import { runTargetcli, runTargetcliBatch } from './lab-targetcli';
import { LAB_TGT_TARGETS_CONF, runTgtAdmin } from './lab-tgt-admin';
import { runTgtadm } from './lab-tgtadm';

/**
 * What an array keeps across a lab restart: its targets, ACLs, storage objects, files, and the
 * slow-array fault.
 */
export interface LabArraySnapshot {
  readonly targets: ReadonlyArray<{
    readonly tid: number;
    readonly name: string;
    readonly luns: ReadonlyArray<readonly [number, string]>;
    readonly acl: ReadonlyArray<readonly [string, LabGrant]>;
    /** The lab's CHAP accounts, as the array host keeps them (tgt's conf.d holds them too). */
    readonly chap: ReadonlyArray<readonly [string, ChapAccount]>;
    readonly authentication: boolean;
  }>;
  readonly backstores: ReadonlyArray<readonly [string, LabBackstore]>;
  readonly files: readonly string[];
  readonly copiedFrom: ReadonlyArray<readonly [string, string]>;
  readonly latencyMs: number;
  /** Its site went dark: the array host answers nothing (lab.darkSite). */
  readonly dark?: boolean;
  /** Each unreplicated LUN's contents as a version (backing → generation; see write()). */
  readonly generations?: ReadonlyArray<readonly [string, number]>;
  /** The DRBD links with a node here (each is kept by both its arrays, identically). */
  readonly drbd?: readonly DrbdLinkSnapshot[];
  /** The array host's persisted configuration: tgt's conf.d files, LIO's saveconfig.json. */
  readonly confFiles: ReadonlyArray<readonly [string, string]>;
  readonly saved?:
    | {
        readonly targets: readonly SnapshotTarget[];
        readonly backstores: ReadonlyArray<readonly [string, LabBackstore]>;
      }
    | undefined;
}

type SnapshotTarget = LabArraySnapshot['targets'][number];

function targetOut(t: LabTarget): SnapshotTarget {
  return {
    tid: t.tid,
    name: t.name,
    luns: [...t.luns],
    acl: [...t.acl].map(([who, g]) => [who, g === 'all' ? g : [...g]] as const),
    chap: [...t.chap].map(([who, a]) => [who, { ...a }] as const),
    authentication: t.authentication,
  };
}

function targetIn(t: SnapshotTarget): LabTarget {
  return {
    tid: t.tid,
    name: t.name,
    luns: new Map(t.luns),
    acl: new Map(t.acl.map(([who, g]) => [who, g === 'all' ? g : [...g]])),
    chap: new Map(t.chap.map(([who, a]) => [who, { ...a }])),
    authentication: t.authentication,
  };
}

/**
 * One simulated iSCSI array. It starts with every topology LUN provisioned in rackshift's
 * one-target-per-LUN layout and answers the CLI of its kind (tgtadm and tgt-admin, or
 * targetcli) plus the cp/rm/tee/mv/ls/cat that clones and target files use. Like the real
 * daemons, it keeps targets in memory: restart() loses whatever was not persisted (the
 * files targets.conf includes, read by tgt-admin -e; LIO's saveconfig). A slow array (the
 * fault) answers every command `latencyMs` late. It behaves by a quirk profile of its kind
 * (./array-profiles).
 */
export class LabArray {
  readonly model = new LabArrayModel();
  latencyMs = 0;
  /** Its site is dark: SSH connections are dropped, as a powered-off array host's are. */
  dark = false;
  /** DRBD resources with a node on this array, by resource name (./lab-drbd). */
  readonly drbd = new Map<string, LabDrbdLink>();
  /** Backing file → its contents as a version, for LUNs that are not replicated. */
  private readonly generations = new Map<string, number>();
  private commands = 0;
  private profileName: string;
  /**
   * LIO: until when an operator's interactive targetcli holds the lock, and whether its exit
   * (auto_save_on_exit) is still to come.
   */
  private operatorShellUntil = 0;
  private operatorSavePending = false;
  /** targetcli runs that had to wait for the operator's shell to exit. */
  private waitedForLock = 0;

  constructor(readonly spec: StorageArray) {
    this.profileName = arrayProfileNames(spec.kind)[0] ?? '';
    if (spec.kind === 'tgt')
      this.model.confFiles.set(LAB_TGT_TARGETS_CONF, this.profile.targetsConf ?? '');
    for (const lun of spec.luns) {
      const backing = lun.backing ?? `${DEFAULT_BACKING_DIR}/${lun.id}.img`;
      this.model.files.add(backing);
      this.model.addTarget(lunTargetIqn(spec.targetIqn, lun.id)).luns.set(LUN_NUMBER, backing);
      if (spec.kind === 'lio')
        this.model.backstores.set(lun.id, {
          kind: backing.startsWith('/dev/') ? 'block' : 'fileio',
          path: backing,
        });
    }
  }

  snapshot(): LabArraySnapshot {
    const m = this.model;
    return {
      targets: [...m.targets.values()].map(targetOut),
      backstores: [...m.backstores],
      files: [...m.files],
      copiedFrom: [...m.copiedFrom],
      latencyMs: this.latencyMs,
      dark: this.dark,
      generations: [...this.generations],
      drbd: [...this.drbd.values()].map((l) => l.snapshot()),
      confFiles: [...m.confFiles],
      saved:
        m.saved === undefined
          ? undefined
          : { targets: m.saved.targets.map(targetOut), backstores: m.saved.backstores },
    };
  }

  /** Replaces the topology's first state with what an earlier lab wrote down. */
  restore(kept: LabArraySnapshot): void {
    const m = this.model;
    m.targets.clear();
    for (const t of kept.targets) m.targets.set(t.tid, targetIn(t));
    m.backstores.clear();
    for (const [name, b] of kept.backstores) m.backstores.set(name, b);
    m.files.clear();
    for (const f of kept.files) m.files.add(f);
    m.copiedFrom.clear();
    for (const [clone, source] of kept.copiedFrom) m.copiedFrom.set(clone, source);
    this.latencyMs = kept.latencyMs;
    this.dark = kept.dark ?? false;
    this.generations.clear();
    for (const [backing, g] of kept.generations ?? []) this.generations.set(backing, g);
    for (const link of kept.drbd ?? []) this.drbd.get(link.resource)?.restore(link);
    m.confFiles.clear();
    for (const [path, content] of kept.confFiles) m.confFiles.set(path, content);
    m.saved =
      kept.saved === undefined
        ? undefined
        : {
            targets: kept.saved.targets.map(targetIn),
            backstores: kept.saved.backstores.map(([k, b]) => [k, { ...b }]),
          };
  }

  /**
   * Grants `initiator` the LUN the way the array's own CLI would (used to seed the data center as
   * it runs today).
   */
  grant(lunId: string, initiator: string): void {
    const target = this.model.targetByName(lunTargetIqn(this.spec.targetIqn, lunId));
    target?.acl.set(initiator, this.spec.kind === 'tgt' ? 'all' : [LUN_NUMBER]);
  }

  private get profile(): ArrayProfile {
    return arrayProfile(this.spec.kind, this.profileName) ?? {};
  }

  /**
   * Takes on a quirk profile of this array's kind. tgt: targets.conf is written as the profile
   * has it, and the seeded targets are persisted where that deployment keeps them. LIO: an
   * operator shell the profile opens holds targetcli's lock from now.
   */
  useProfile(name: string): void {
    if (arrayProfile(this.spec.kind, name) === undefined) {
      throw new Error(
        `lab array ${this.spec.id} (${this.spec.kind}) has no profile "${name}"; profiles: ${arrayProfileNames(this.spec.kind).join(', ')}`,
      );
    }
    this.profileName = name;
    this.operatorShellUntil = Date.now() + (this.profile.operatorShellMs ?? 0);
    this.operatorSavePending = (this.profile.operatorShellMs ?? 0) > 0;
    if (this.spec.kind === 'tgt') this.persistSeed();
  }

  /**
   * Persists the seeded state as the data center's own tooling would have: target files (tgt) or
   * saveconfig (LIO).
   */
  persistSeed(): void {
    if (this.spec.kind === 'lio') {
      this.model.saved = this.model.snapshot();
      return;
    }
    const inMain = this.profile.targetsInMainConf === true;
    const blocks: string[] = [];
    for (const t of this.model.targets.values()) {
      const lunId = lunIdOfTarget(this.spec.targetIqn, t.name);
      const backing = t.luns.get(LUN_NUMBER);
      if (lunId === undefined || backing === undefined) continue;
      const file = tgtConfFile(DEFAULT_TGT_CONF_DIR, lunId);
      const conf = tgtTargetConf(t.name, backing, [...t.acl.keys()]);
      if (inMain) {
        this.model.confFiles.delete(file);
        blocks.push(conf);
      } else {
        this.model.confFiles.set(file, conf);
      }
    }
    this.model.confFiles.set(
      LAB_TGT_TARGETS_CONF,
      [this.profile.targetsConf ?? '', ...blocks].join('\n'),
    );
  }

  /**
   * LIO: a targetcli run waits while the operator's shell holds the lock; the shell's exit saves
   * the live configuration.
   */
  private async targetcliLock(): Promise<void> {
    const wait = this.operatorShellUntil - Date.now();
    if (wait > 0) {
      this.waitedForLock += 1;
      await new Promise((r) => setTimeout(r, wait));
    }
    this.operatorExited();
  }

  private operatorExited(): void {
    if (!this.operatorSavePending || Date.now() < this.operatorShellUntil) return;
    this.operatorSavePending = false;
    this.model.saved = this.model.snapshot();
  }

  /**
   * The target daemon restarts: tgtd comes back empty and tgt.service runs `tgt-admin -e`; LIO's
   * target.service restores saveconfig.json.
   */
  restart(): void {
    this.operatorExited();
    this.model.forgetLive();
    if (this.spec.kind === 'tgt') {
      runTgtAdmin(this.model, ['-e']);
      return;
    }
    for (const t of this.model.saved?.targets ?? []) this.model.targets.set(t.tid, copyTarget(t));
    for (const [name, b] of this.model.saved?.backstores ?? [])
      this.model.backstores.set(name, { ...b });
  }

  /** The DRBD link and this array's node of a replicated LUN, if it is one. */
  private drbdOf(lunId: string): LabDrbdLink | undefined {
    return [...this.drbd.values()].find((l) => l.node(this.spec.id)?.lun === lunId);
  }

  /** The LUN's contents as a version: a replicated LUN's side holds its last sync's. */
  generation(lunId: string): number {
    const link = this.drbdOf(lunId);
    if (link !== undefined) return link.node(this.spec.id)?.generation ?? 0;
    return this.generations.get(this.backingOf(lunId) ?? '') ?? 0;
  }

  /**
   * The persona on the LUN writes (the lab's persona activity): its generation goes up by one,
   * replicated as its link's mode says. Returns why the write failed (a read-only replica).
   */
  write(lunId: string): string | undefined {
    const link = this.drbdOf(lunId);
    if (link !== undefined) {
      const refused = link.write(this.spec.id);
      this.onChange();
      return refused;
    }
    const backing = this.backingOf(lunId);
    if (backing === undefined) return `LUN ${lunId} does not exist on ${this.spec.id}`;
    this.generations.set(backing, (this.generations.get(backing) ?? 0) + 1);
    this.onChange();
    return undefined;
  }

  /**
   * Why `initiator` offering `offered` cannot log in to the LUN's target (CHAP) or use it (a DRBD
   * Secondary opens read-only), or undefined.
   */
  loginRefusal(
    lunId: string,
    initiator: string,
    offered: ChapAccount | undefined,
  ): string | undefined {
    const secondary = this.drbdOf(lunId)?.node(this.spec.id)?.role === 'Secondary';
    if (secondary)
      return `LUN ${lunId} on ${this.spec.id} is a DRBD Secondary: Wrong medium type (a replica is read-only until promoted)`;
    const target = this.model.targetByName(lunTargetIqn(this.spec.targetIqn, lunId));
    return target === undefined
      ? undefined
      : this.model.chapRefusal(target, initiator, this.spec.kind, offered);
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

  /**
   * The LUN whose backing file `lunId`'s backing was copied from (a snapshot clone's source), if
   * any.
   */
  cloneSource(lunId: string): string | undefined {
    return this.sourceOf(this.backingOf(lunId));
  }

  private sourceOf(backing: string | undefined): string | undefined {
    const source = backing === undefined ? undefined : this.model.copiedFrom.get(backing);
    const target =
      source === undefined
        ? undefined
        : [...this.model.targets.values()].find((t) => t.luns.get(LUN_NUMBER) === source);
    return target === undefined ? undefined : lunIdOfTarget(this.spec.targetIqn, target.name);
  }

  /** Called after every command, which may have changed the array. */
  onChange: () => void = () => undefined;

  async exec(command: string, stdin = ''): Promise<ExecResult> {
    this.commands += 1;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const result = await this.run(command, stdin);
    this.onChange();
    return result;
  }

  private async run(command: string, stdin: string): Promise<ExecResult> {
    const [program = '', ...argv] = command.trim().split(/\s+/);
    const paths = argv.filter((a) => !a.startsWith('-'));
    if (program === 'tgtadm' && this.spec.kind === 'tgt')
      return runTgtadm(this.model, argv, { omits: this.profile.tgtShowOmits ?? [] });
    if (program === 'tgt-admin' && this.spec.kind === 'tgt') return runTgtAdmin(this.model, argv);
    if (program === 'install') {
      // install -m 600 /dev/null <file>: an empty file (the lab keeps no modes).
      const file = paths.at(-1) ?? '';
      this.model.confFiles.set(file, '');
      return ok();
    }
    if (program === 'tee') {
      for (const f of paths) this.model.confFiles.set(f, stdin);
      return ok(stdin);
    }
    if (program === 'mv') {
      const [from = '', to = ''] = paths;
      const content = this.model.confFiles.get(from);
      if (content === undefined)
        return fail(`mv: cannot stat '${from}': No such file or directory`);
      this.model.confFiles.delete(from);
      this.model.confFiles.set(to, content);
      return ok();
    }
    if (program === 'cat') {
      const missing = paths.find((f) => !this.model.confFiles.has(f));
      return missing === undefined
        ? ok(paths.map((f) => this.model.confFiles.get(f)).join(''))
        : fail(`cat: ${missing}: No such file or directory`);
    }
    if (program === 'ls') {
      const missing = paths.find((f) => !this.model.files.has(f) && !this.model.confFiles.has(f));
      return missing === undefined
        ? ok(`${paths.join('\n')}\n`)
        : fail(`ls: cannot access '${missing}': No such file or directory`, 2);
    }
    if (program === 'targetcli' && this.spec.kind === 'lio') {
      await this.targetcliLock();
      const look = { aluaGroupInLs: this.profile.aluaGroupInLs ?? true };
      return argv.length === 0
        ? runTargetcliBatch(this.model, stdin, look)
        : runTargetcli(this.model, argv, look);
    }
    if (program === 'drbdadm') return this.runDrbdadm(argv);
    if (program === 'cp') {
      const [source = '', clone = ''] = argv.filter((a) => !a.startsWith('-'));
      if (!this.model.files.has(source))
        return fail(`cp: cannot stat '${source}': No such file or directory`);
      this.generations.set(clone, this.generationOfBacking(source));
      this.model.files.add(clone);
      this.model.copiedFrom.set(clone, source);
      return ok();
    }
    if (program === 'rm') {
      for (const f of paths) {
        this.model.files.delete(f);
        this.model.copiedFrom.delete(f);
        this.model.confFiles.delete(f);
      }
      return ok();
    }
    return fail(`sh: 1: ${program}: not found`, 127);
  }

  /** The generation a copy of `backing` (the DRBD lower device of a replica too) starts with. */
  private generationOfBacking(backing: string): number {
    const target = [...this.model.targets.values()].find((t) => t.luns.get(LUN_NUMBER) === backing);
    const lunId =
      target === undefined ? undefined : lunIdOfTarget(this.spec.targetIqn, target.name);
    return lunId === undefined ? (this.generations.get(backing) ?? 0) : this.generation(lunId);
  }

  /** drbdadm: a resource of this host's; demoting a device a target holds open is refused. */
  private runDrbdadm(argv: readonly string[]): ExecResult {
    const resource = argv.filter((a) => !a.startsWith('-')).at(-1) ?? '';
    const link = this.drbd.get(resource);
    if (link === undefined)
      return fail(`'${resource}' not defined in your config (for this host).`, 10);
    const lun = link.node(this.spec.id)?.lun ?? '';
    const target = this.model.targetByName(lunTargetIqn(this.spec.targetIqn, lun));
    const holders = [...(target?.acl.keys() ?? [])].filter((k) => k !== TGT_NO_PEER_ADDRESS);
    if (
      argv[0] === 'secondary' &&
      link.node(this.spec.id)?.role === 'Primary' &&
      holders.length > 0
    )
      return fail(
        `${resource}: State change failed: (-12) Device is held open by someone\nCommand 'drbdsetup secondary ${resource}' terminated with exit code 11`,
        11,
      );
    return link.drbdadm(this.spec.id, argv);
  }

  describe(): unknown {
    return {
      kind: this.spec.kind,
      profile: this.profileName,
      latencyMs: this.latencyMs,
      dark: this.dark,
      commands: this.commands,
      ...(this.spec.kind === 'lio' && { waitedForLock: this.waitedForLock }),
      luns: Object.fromEntries(
        [...this.model.targets.values()].map((t) => {
          const backing = t.luns.get(LUN_NUMBER);
          const cloneOf = this.sourceOf(backing);
          const lunId = lunIdOfTarget(this.spec.targetIqn, t.name);
          const drbd = lunId === undefined ? undefined : this.drbdOf(lunId);
          return [
            lunId ?? t.name,
            // The address rackshift's tgt files carry so that tgt-admin binds no ALL is no
            // initiator (as the driver reads it).
            {
              target: t.name,
              backing: backing ?? null,
              initiators: [...t.acl.keys()].filter((k) => k !== TGT_NO_PEER_ADDRESS).sort(),
              ...(cloneOf !== undefined && { cloneOf }),
              generation: lunId === undefined ? 0 : this.generation(lunId),
              ...(drbd !== undefined && {
                drbd: {
                  resource: drbd.resource,
                  role: drbd.node(this.spec.id)?.role,
                  disk: drbd.node(this.spec.id)?.disk,
                  connected: drbd.connected,
                },
              }),
            },
          ];
        }),
      ),
    };
  }
}
