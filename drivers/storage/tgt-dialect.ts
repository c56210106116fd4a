import type { ArrayDialect, ArrayState, LunSpec, ProvisionedLun } from './array-dialect';
import { BACKING_FILE_COMMANDS } from './array-dialect';
import { fillTemplate, type ErrorPattern } from './command-template';
import { LUN_NUMBER } from './lun-target';
import { parseTgtShow } from './tgt-show-parser';

/** tgtadm's arguments per operation (Debian tgt); the program and control port are prefixed. */
export const TGTADM_TEMPLATES = {
  show: '--lld iscsi --mode target --op show',
  newTarget: '--lld iscsi --mode target --op new --tid {tid} --targetname {target}',
  deleteTarget: '--lld iscsi --mode target --op delete --force --tid {tid}',
  newLun: '--lld iscsi --mode logicalunit --op new --tid {tid} --lun {lun} --backing-store {backing}',
  bind: '--lld iscsi --mode target --op bind --tid {tid} --initiator-name {initiator}',
  unbind: '--lld iscsi --mode target --op unbind --tid {tid} --initiator-name {initiator}',
} as const;

/** tgtadm exits non-zero on failure; these name the causes that a retry may cure. */
export const TGT_ERROR_PATTERNS: readonly ErrorPattern[] = [
  { pattern: /^tgtadm: (?:can't send the request|failed to send request|can't connect)/m, retryable: true },
  { pattern: /^tgtadm: .*(?:busy|try again)/im, retryable: true },
  { pattern: /^tgtadm: .+/m, retryable: false },
];

function nextTid(state: ArrayState): number {
  return Math.max(0, ...state.tids) + 1;
}

function tid(lun: ProvisionedLun): number {
  if (lun.tid === undefined) throw new Error(`tgt target ${lun.targetIqn} has no tid`);
  return lun.tid;
}

/** Linux tgt over SSH; `controlPort` selects a tgtd started with `-C <port>` beside others. */
export function tgtDialect(options: { readonly controlPort?: number } = {}): ArrayDialect {
  const program = options.controlPort === undefined ? 'tgtadm' : fillTemplate('tgtadm -C {controlPort}', { controlPort: options.controlPort });
  const cmd = (template: keyof typeof TGTADM_TEMPLATES, params: Record<string, string | number> = {}): string =>
    `${program} ${fillTemplate(TGTADM_TEMPLATES[template], params)}`;
  const ensure = (state: ArrayState, spec: LunSpec): string[] => {
    const existing = state.luns.get(spec.lunId);
    const id = existing?.tid ?? nextTid(state);
    return [
      ...(existing === undefined ? [cmd('newTarget', { tid: id, target: spec.targetIqn })] : []),
      ...(existing?.backing === undefined ? [cmd('newLun', { tid: id, lun: LUN_NUMBER, backing: spec.backing })] : []),
    ];
  };
  return {
    kind: 'tgt',
    readCommand: cmd('show'),
    errorPatterns: TGT_ERROR_PATTERNS,
    parseState: parseTgtShow,
    ensureLun: ensure,
    mask: (lun, initiator) => [cmd('bind', { tid: tid(lun), initiator })],
    unmask: (lun, initiator) => [cmd('unbind', { tid: tid(lun), initiator })],
    clone: (state, source, clone) => [fillTemplate(BACKING_FILE_COMMANDS.copy, { source: source.backing, clone: clone.backing }), ...ensure(state, clone)],
    deleteClone: (lun) => [cmd('deleteTarget', { tid: tid(lun) }), fillTemplate(BACKING_FILE_COMMANDS.remove, { backing: lun.backing })],
  };
}
