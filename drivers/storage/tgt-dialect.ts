import type {
  ArrayCommand,
  ArrayDialect,
  ArrayState,
  LunSpec,
  ProvisionedLun,
} from './array-dialect';
import type { ChapAccount } from './chap-account';
import { BACKING_FILE_COMMANDS } from './array-dialect';
import { fillTemplate, type ErrorPattern } from './command-template';
import { LUN_NUMBER } from './lun-target';
import { tgtConfFile, tgtIncludeMatches, tgtIncludes, tgtTargetConf } from './tgt-target-conf';
import { parseTgtShow } from './tgt-show-parser';

/** tgtadm's arguments per operation (Debian tgt); the program and control port are prefixed. */
const TGTADM_TEMPLATES = {
  show: '--lld iscsi --mode target --op show',
  deleteTarget: '--lld iscsi --mode target --op delete --force --tid {tid}',
  newLun:
    '--lld iscsi --mode logicalunit --op new --tid {tid} --lun {lun} --backing-store {backing}',
  bind: '--lld iscsi --mode target --op bind --tid {tid} --initiator-name {initiator}',
  unbind: '--lld iscsi --mode target --op unbind --tid {tid} --initiator-name {initiator}',
} as const;

/**
 * tgt-admin (Debian tgt) creates a target from the configuration tgtd's service reads at start,
 * as Cinder's tgt target does with `tgt-admin --update <iqn>`: a target file that this
 * configuration does not include is refused now rather than lost at the next restart.
 */
const TGT_ADMIN_UPDATE = '-c {conf} --update {target}';

/**
 * Writing a target's file: to a temporary name, then renamed, so tgtd's next start never reads
 * half a file. The temporary file is created empty with mode 0600 first (tee keeps the mode of
 * a file it truncates): a target file may hold a CHAP secret.
 */
const CONF_FILE_COMMANDS = {
  create: 'install -m 600 /dev/null {conf}.tmp',
  write: 'tee {conf}.tmp',
  rename: 'mv -f {conf}.tmp {conf}',
  remove: 'rm -f {conf}',
} as const;

/** What the tgt service will read at its next start. */
const READ_TARGETS_CONF = 'cat {conf}';

/**
 * tgt-admin skips a missing backing store with only a comment and exits 0; this makes it an error
 * first.
 */
const BACKING_EXISTS = 'ls -d {backing}';

/** tgtadm exits non-zero on failure; these name the causes that a retry may cure. */
const TGT_ERROR_PATTERNS: readonly ErrorPattern[] = [
  {
    pattern: /^tgtadm: (?:can't send the request|failed to send request|can't connect)/m,
    retryable: true,
  },
  { pattern: /^tgtadm: .*(?:busy|try again)/im, retryable: true },
  { pattern: /^tgtadm: .+/m, retryable: false },
  // tgt-admin --update of a target its configuration does not hold (conf.d not included).
  { pattern: /^Target \S+ is currently not configured/m, retryable: false },
  // tgt-admin --update leaves a target with logged-in sessions as it is (without --force), exiting
  // 0.
  { pattern: /^# Target with tid \d+ \(\S+\) is in use, it won't be updated/m, retryable: true },
];

export const DEFAULT_TGT_CONF_DIR = '/etc/tgt/conf.d';
const DEFAULT_TGT_TARGETS_CONF = '/etc/tgt/targets.conf';

function tid(lun: ProvisionedLun): number {
  if (lun.tid === undefined) throw new Error(`tgt target ${lun.targetIqn} has no tid`);
  return lun.tid;
}

export interface TgtDialectOptions {
  /** Selects a tgtd started with `-C <port>` beside others (tgtadm and tgt-admin alike). */
  readonly controlPort?: number;
  /** The directory tgtd's targets.conf includes (Debian: /etc/tgt/conf.d). */
  readonly confDir?: string;
  /**
   * The configuration the tgt service hands `tgt-admin -e` at start (Debian:
   * /etc/tgt/targets.conf).
   */
  readonly targetsConf?: string;
}

/**
 * Linux tgt over SSH. tgtd keeps targets in memory only, so every change is also written to
 * the target's file in `confDir`, which the tgt service reads with `tgt-admin -e` when tgtd
 * starts: a new target is created from its file with `tgt-admin --update`; an ACL change is
 * made live with tgtadm (tgt-admin will not update a target in use) and the file rewritten.
 */
export function tgtDialect(options: TgtDialectOptions = {}): ArrayDialect {
  const port =
    options.controlPort === undefined
      ? ''
      : fillTemplate(' -C {controlPort}', { controlPort: options.controlPort });
  const confDir = options.confDir ?? DEFAULT_TGT_CONF_DIR;
  const targetsConf = options.targetsConf ?? DEFAULT_TGT_TARGETS_CONF;
  const cmd = (
    template: keyof typeof TGTADM_TEMPLATES,
    params: Record<string, string | number> = {},
  ): string => `tgtadm${port} ${fillTemplate(TGTADM_TEMPLATES[template], params)}`;
  const persist = (
    lunId: string,
    target: string,
    backing: string,
    holders: readonly string[],
    chap: ChapAccount | undefined,
  ): ArrayCommand[] => {
    const conf = tgtConfFile(confDir, lunId);
    return [
      fillTemplate(CONF_FILE_COMMANDS.create, { conf }),
      {
        command: fillTemplate(CONF_FILE_COMMANDS.write, { conf }),
        stdin: tgtTargetConf(target, backing, holders, chap),
      },
      fillTemplate(CONF_FILE_COMMANDS.rename, { conf }),
    ];
  };
  const update = (target: string): string =>
    `tgt-admin${port} ${fillTemplate(TGT_ADMIN_UPDATE, { conf: targetsConf, target })}`;
  const chapDiffers = (lun: ProvisionedLun, chap: ChapAccount | undefined): boolean =>
    (lun.chapUsers ?? []).join(' ') !== (chap === undefined ? '' : chap.user);
  /**
   * An ACL change is made live with tgtadm bind/unbind; a CHAP change goes through the file and
   * `tgt-admin --update` (which re-creates the idle target from it, ACL included), since
   * `tgtadm --mode account --op new` would carry the secret in the array host's argv.
   */
  const aclChange = (
    lun: ProvisionedLun,
    holders: readonly string[],
    live: string,
    chap: ChapAccount | undefined,
  ): ArrayCommand[] => {
    if (lun.backing === undefined) return [live];
    const file = persist(lun.lunId, lun.targetIqn, lun.backing, holders, chap);
    return chapDiffers(lun, chap) ? [...file, update(lun.targetIqn)] : [live, ...file];
  };
  const ensure = (state: ArrayState, spec: LunSpec): ArrayCommand[] => {
    const existing = state.luns.get(spec.lunId);
    if (existing?.backing !== undefined) return [];
    if (existing !== undefined) {
      return [
        cmd('newLun', { tid: tid(existing), lun: LUN_NUMBER, backing: spec.backing }),
        ...persist(spec.lunId, spec.targetIqn, spec.backing, existing.holders, spec.chap),
      ];
    }
    return [
      fillTemplate(BACKING_EXISTS, { backing: spec.backing }),
      ...persist(spec.lunId, spec.targetIqn, spec.backing, [], spec.chap),
      update(spec.targetIqn),
    ];
  };
  return {
    kind: 'tgt',
    readCommand: cmd('show'),
    errorPatterns: TGT_ERROR_PATTERNS,
    // tgt-admin exits 0 when its configuration holds no target at all.
    notCreatedHint: `tgt-admin created no target from ${targetsConf}; it must include ${confDir}/*.conf, or the target would also be lost when tgtd restarts`,
    parseState: parseTgtShow,
    // A target file the service's configuration does not include is lost with its ACL at the
    // next restart of tgtd, while tgtadm says the change is live: refuse before changing anything.
    persistenceCheck: {
      command: fillTemplate(READ_TARGETS_CONF, { conf: targetsConf }),
      refusal: (conf) =>
        tgtIncludes(conf).some((p) => tgtIncludeMatches(p, tgtConfFile(confDir, 'x')))
          ? undefined
          : `${targetsConf} must include ${confDir}/*.conf: without it tgtd does not read rackshift's target files when it restarts, and every target and mask made here would be lost`,
    },
    ensureLun: ensure,
    mask: (lun, initiator, chap) =>
      aclChange(
        lun,
        lun.holders.includes(initiator) ? lun.holders : [...lun.holders, initiator],
        cmd('bind', { tid: tid(lun), initiator }),
        chap,
      ),
    unmask: (lun, initiator, chap) =>
      aclChange(
        lun,
        lun.holders.filter((h) => h !== initiator),
        cmd('unbind', { tid: tid(lun), initiator }),
        chap,
      ),
    chapDiffers,
    clone: (state, source, clone) => [
      fillTemplate(BACKING_FILE_COMMANDS.copy, { source: source.backing, clone: clone.backing }),
      ...ensure(state, clone),
    ],
    deleteClone: (lun) => [
      cmd('deleteTarget', { tid: tid(lun) }),
      fillTemplate(CONF_FILE_COMMANDS.remove, { conf: tgtConfFile(confDir, lun.lunId) }),
      fillTemplate(BACKING_FILE_COMMANDS.remove, { backing: lun.backing }),
    ],
  };
}
