import { ValidationError } from '../../common/errors';
import { ID_PATTERN } from '../../inventory/patterns';

/**
 * Names a DR drill gives what it creates, derived from its workflow id alone, so a retried or
 * replayed step names the same clone and the clean-up can find it again. Pure and
 * deterministic: safe in workflow code.
 */

/** What drillTag returns. */
export const DRILL_TAG_PATTERN = /^[0-9a-f]{6}$/;
/** Every id is at most 63 characters (inventory/patterns ID_PATTERN). */
const MAX_ID = 63;
/** Clone ids end in `.drill-<tag>` (13 characters), the suffix topology LUN ids may not have. */
const SUFFIX_LENGTH = '.drill-'.length + 6;
/** LUN ids up to this length are kept whole in their clone's id. */
const WHOLE_LUN_MAX = MAX_ID - SUFFIX_LENGTH;

/** 32-bit FNV-1a over UTF-16 code units (workflow ids and LUN ids are ASCII). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1)
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Six hex digits: the top 24 bits of the hash. */
function hex6(text: string): string {
  return fnv1a(text).toString(16).padStart(8, '0').slice(0, 6);
}

/** A short, stable tag for a drill run: 6 hex digits of the FNV-1a hash of its workflow id. */
export function drillTag(workflowId: string): string {
  if (workflowId.length === 0)
    throw new ValidationError('drill tag', [{ path: 'workflowId', message: 'must not be empty' }]);
  return hex6(workflowId);
}

/**
 * The id of `lun`'s snapshot clone for the drill tagged `tag`: `<lun>.drill-<tag>`. Always at
 * most 63 characters and shaped like inventory/patterns DRILL_CLONE_ID_PATTERN, which topology LUN
 * ids may not
 * be, so it never equals a topology LUN id. LUN ids of up to 50 characters are kept whole;
 * longer ones are cut to 43 characters followed by `-<6 hex of the whole id>`, so two long ids
 * that share a prefix still get different clones.
 */
export function cloneIdFor(lun: string, tag: string): string {
  const issues = [
    ...(ID_PATTERN.test(lun)
      ? []
      : [
          {
            path: 'lun',
            message: `"${lun}" is not a LUN id (lower-case letters, digits, ".", "_", "-"; at most 63 characters)`,
          },
        ]),
    ...(DRILL_TAG_PATTERN.test(tag)
      ? []
      : [{ path: 'tag', message: `"${tag}" is not a drill tag (6 hex digits, from drillTag)` }]),
  ];
  if (issues.length > 0) throw new ValidationError('drill clone id', issues);
  const base =
    lun.length <= WHOLE_LUN_MAX ? lun : `${lun.slice(0, WHOLE_LUN_MAX - 7)}-${hex6(lun)}`;
  return `${base}.drill-${tag}`;
}
