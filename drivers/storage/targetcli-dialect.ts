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
import { parseTargetcliState } from './targetcli-tree-parser';

/**
 * One-shot targetcli invocations (targetcli-fb); each change list ends with saveconfig so it
 * survives a reboot.
 */
const TARGETCLI_TEMPLATES = {
  show: 'targetcli ls /',
  createFileio:
    'targetcli /backstores/fileio create name={name} file_or_dev={backing} size={sizeGiB}G',
  adoptFileio: 'targetcli /backstores/fileio create name={name} file_or_dev={backing}',
  createBlock: 'targetcli /backstores/block create name={name} dev={backing}',
  deleteBackstore: 'targetcli /backstores/{backstore} delete {name}',
  createTarget: 'targetcli /iscsi create {target}',
  deleteTarget: 'targetcli /iscsi delete {target}',
  createLun:
    'targetcli /iscsi/{target}/tpg1/luns create /backstores/{backstore}/{name} lun={lun} add_mapped_luns=false',
  createAcl: 'targetcli /iscsi/{target}/tpg1/acls create {initiator} add_mapped_luns=false',
  mapLun:
    'targetcli /iscsi/{target}/tpg1/acls/{initiator} create mapped_lun={lun} tpg_lun_or_backstore={lun}',
  deleteAcl: 'targetcli /iscsi/{target}/tpg1/acls delete {initiator}',
  saveconfig: 'targetcli saveconfig',
} as const;

/**
 * Lines for targetcli's batch mode (no arguments, commands on stdin, as targetcli-fb reads
 * them when stdin is not a terminal): the CHAP secret is never in argv. rtslib sets the
 * ACL's auth; LIO enforces it only while the TPG's `authentication` attribute is 1.
 */
const TARGETCLI_CHAP_LINES = {
  authentication: '/iscsi/{target}/tpg1 set attribute authentication=1',
  auth: '/iscsi/{target}/tpg1/acls/{initiator} set auth userid={chapUser} password={chapSecret}',
} as const;

const TARGETCLI_ERROR_PATTERNS: readonly ErrorPattern[] = [
  { pattern: /Device or resource busy|Resource temporarily unavailable/i, retryable: true },
  // targetcli's own texts and rtslib-fb's ("This NodeACL already exists in configFS", "LUN 1 does
  // not exist in this TPG").
  {
    pattern:
      /^(?:No such path|Could not|Cannot|Error|Unknown (?:command|parameter)|Invalid|.*already exists|.*does not exist|.*not valid)/m,
    retryable: false,
  },
];

/** Block devices are exported as `block` backstores; anything else is a file. */
function backstoreOf(backing: string): 'fileio' | 'block' {
  return backing.startsWith('/dev/') ? 'block' : 'fileio';
}

const t = (
  template: keyof typeof TARGETCLI_TEMPLATES,
  params: Record<string, string | number> = {},
): string => fillTemplate(TARGETCLI_TEMPLATES[template], params);

function provision(state: ArrayState, spec: LunSpec, adopt: boolean): string[] {
  const backstore = backstoreOf(spec.backing);
  const existing = state.luns.get(spec.lunId);
  const createBackstore =
    backstore === 'block'
      ? t('createBlock', { name: spec.lunId, backing: spec.backing })
      : adopt
        ? t('adoptFileio', { name: spec.lunId, backing: spec.backing })
        : t('createFileio', { name: spec.lunId, backing: spec.backing, sizeGiB: spec.sizeGiB });
  return [
    ...(state.backstores.has(spec.lunId) ? [] : [createBackstore]),
    ...(existing === undefined ? [t('createTarget', { target: spec.targetIqn })] : []),
    ...(existing?.backing === undefined
      ? [t('createLun', { target: spec.targetIqn, backstore, name: spec.lunId, lun: LUN_NUMBER })]
      : []),
  ];
}

function chapBatch(
  lun: ProvisionedLun,
  initiator: string,
  chap: ChapAccount | undefined,
): ArrayCommand[] {
  if (chap === undefined) return [];
  const lines = [
    fillTemplate(TARGETCLI_CHAP_LINES.authentication, { target: lun.targetIqn }),
    fillTemplate(TARGETCLI_CHAP_LINES.auth, {
      target: lun.targetIqn,
      initiator,
      chapUser: chap.user,
      chapSecret: chap.secret,
    }),
  ];
  return [{ command: 'targetcli', stdin: `${lines.join('\n')}\n` }];
}

function saved<C extends ArrayCommand>(commands: C[]): (C | string)[] {
  return commands.length === 0 ? [] : [...commands, t('saveconfig')];
}

/**
 * LIO over SSH with targetcli: a backstore, a target with LUN 1, and per initiator an ACL with
 * mapped LUN 1.
 */
export const targetcliDialect: ArrayDialect = {
  kind: 'lio',
  readCommand: t('show'),
  errorPatterns: TARGETCLI_ERROR_PATTERNS,
  notCreatedHint: 'targetcli reported success but lists no such target with LUN 1',
  parseState: parseTargetcliState,
  ensureLun: (state, spec) => saved(provision(state, spec, false)),
  mask: (lun, initiator, chap) =>
    saved([
      ...(lun.acls.includes(initiator)
        ? []
        : [t('createAcl', { target: lun.targetIqn, initiator })]),
      ...(lun.holders.includes(initiator)
        ? []
        : [t('mapLun', { target: lun.targetIqn, initiator, lun: LUN_NUMBER })]),
      ...chapBatch(lun, initiator, chap),
    ]),
  // The ACL goes, and its auth with it.
  unmask: (lun, initiator) => saved([t('deleteAcl', { target: lun.targetIqn, initiator })]),
  // `targetcli ls` does not show an ACL's auth: a mask with CHAP sets it every time (idempotent).
  chapDiffers: (_lun, chap) => chap !== undefined,
  clone: (state, source, clone) =>
    saved([
      fillTemplate(BACKING_FILE_COMMANDS.copy, { source: source.backing, clone: clone.backing }),
      ...provision(state, clone, true),
    ]),
  deleteClone: (lun) =>
    saved([
      t('deleteTarget', { target: lun.targetIqn }),
      t('deleteBackstore', { backstore: backstoreOf(lun.backing), name: lun.lunId }),
      fillTemplate(BACKING_FILE_COMMANDS.remove, { backing: lun.backing }),
    ]),
};
