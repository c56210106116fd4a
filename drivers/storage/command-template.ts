import { ValidationError } from '../../common/errors';
import {
  CHAP_SECRET_PATTERN,
  CHAP_USER_PATTERN,
  EUI_PATTERN,
  ID_PATTERN,
  IQN_PATTERN,
  WWPN_PATTERN,
} from '../../inventory/patterns';

/** Absolute paths of letters, digits, "/", ".", "_", "-", with no `..` segment. */
export const BACKING_PATH_PATTERN = /^\/(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9/._-]{1,254}$/;
/** Brocade zone and configuration names. */
const BROCADE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const ISCSI_NAME = new RegExp(`${IQN_PATTERN.source}|${EUI_PATTERN.source}`);

/**
 * Every placeholder a storage command template may hold, with the only shape its value may
 * take. A value that does not match never reaches an SSH session.
 */
const PARAMETERS: Readonly<Record<string, RegExp>> = {
  tid: /^[1-9]\d{0,5}$/,
  lun: /^\d{1,5}$/,
  controlPort: /^\d{1,5}$/,
  target: ISCSI_NAME,
  initiator: ISCSI_NAME,
  name: ID_PATTERN,
  backing: BACKING_PATH_PATTERN,
  source: BACKING_PATH_PATTERN,
  clone: BACKING_PATH_PATTERN,
  sizeGiB: /^[1-9]\d{0,6}$/,
  backstore: /^(?:fileio|block)$/,
  conf: BACKING_PATH_PATTERN,
  address: /^(?:ALL|\d{1,3}(?:\.\d{1,3}){3})$/,
  wwpn: WWPN_PATTERN,
  members: new RegExp(
    `^${WWPN_PATTERN.source.slice(1, -1)}(?:; ${WWPN_PATTERN.source.slice(1, -1)})*$`,
  ),
  zone: BROCADE_NAME_PATTERN,
  cfg: BROCADE_NAME_PATTERN,
  chapUser: CHAP_USER_PATTERN,
  chapSecret: CHAP_SECRET_PATTERN,
};

/** Values an error message must never repeat. */
const SECRET_PARAMETERS = new Set(['chapSecret']);

/**
 * `fillTemplate('bind --tid {tid}', { tid: 3 })` → `bind --tid 3`; refuses unknown, missing or
 * unsafe values.
 */
export function fillTemplate(
  template: string,
  params: Readonly<Record<string, string | number>>,
): string {
  return template.replace(/\{(\w+)\}/g, (_whole, key: string) => {
    const pattern = PARAMETERS[key];
    const value = params[key];
    if (pattern === undefined)
      throw new ValidationError('storage command template', [
        { path: key, message: `unknown placeholder in "${template}"` },
      ]);
    if (value === undefined)
      throw new ValidationError('storage command', [
        { path: key, message: `missing value for "${template}"` },
      ]);
    if (!pattern.test(String(value))) {
      const shown = SECRET_PARAMETERS.has(key) ? 'the value (not shown)' : `"${String(value)}"`;
      throw new ValidationError('storage command', [
        { path: key, message: `${shown} does not have the shape ${pattern}` },
      ]);
    }
    return String(value);
  });
}

/** A vendor's way of saying a command failed, and whether trying again may help. */
export interface ErrorPattern {
  readonly pattern: RegExp;
  readonly retryable: boolean;
}

/** The first error pattern the output matches, if any. */
export function matchError(
  patterns: readonly ErrorPattern[],
  output: string,
): { line: string; retryable: boolean } | undefined {
  for (const { pattern, retryable } of patterns) {
    const m = pattern.exec(output);
    if (m !== null) {
      const start = output.lastIndexOf('\n', m.index) + 1;
      const end = output.indexOf('\n', m.index);
      return { line: output.slice(start, end === -1 ? undefined : end).trim(), retryable };
    }
  }
  return undefined;
}
