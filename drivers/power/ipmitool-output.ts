import type { BootDeviceState, PowerState } from './power-driver';

/**
 * What ipmitool prints, as data: the parsers of its stdout and the stderr texts that tell an
 * unreachable BMC from rejected credentials. The texts were taken from ipmitool 1.8.19 run
 * with `-v` against OpenIPMI ipmi_sim (without `-v`, a wrong password and a silent BMC print
 * the same "Unable to establish IPMI v2 / RMCP+ session").
 */

export function parsePowerStatus(stdout: string): PowerState | undefined {
  const m = /^Chassis Power is (on|off)\s*$/m.exec(stdout);
  return m?.[1] === 'on' ? 'on' : m?.[1] === 'off' ? 'off' : undefined;
}

const DEVICE_BY_SELECTOR: Readonly<Record<number, BootDeviceState['device']>> = { 0: 'none', 1: 'pxe', 2: 'disk', 3: 'disk' };

/**
 * `chassis bootparam get 5`, read from the raw "Boot parameter data" bytes because the
 * prose lines differ between ipmitool versions. Byte 1: bit 6 persistent, bit 5 EFI; byte 2
 * bits 5–2: device selector. The "valid" bit (byte 1, bit 7) is not consulted, as in
 * OpenStack Ironic: ipmi_sim never sets it, and the selector is what the BMC will use.
 */
export function parseBootFlags(stdout: string): BootDeviceState | undefined {
  const m = /^Boot parameter data: ((?:[0-9a-fA-F]{2}){2,})\s*$/m.exec(stdout);
  if (m?.[1] === undefined) return undefined;
  const [flags = 0, selector = 0] = Buffer.from(m[1], 'hex');
  return {
    device: DEVICE_BY_SELECTOR[(selector >> 2) & 0x0f] ?? 'other',
    persistent: (flags & 0x40) !== 0,
    uefi: (flags & 0x20) !== 0,
  };
}

export type IpmitoolFailureKind = 'auth' | 'unsupported' | 'unreachable' | 'protocol';

export interface IpmitoolFailure {
  readonly kind: IpmitoolFailureKind;
  readonly detail: string;
}

interface ErrorPattern {
  readonly pattern: RegExp;
  readonly kind: IpmitoolFailureKind;
  /** Says what it means; the matched line is appended. */
  readonly meaning: string;
}

/** First match wins. Command failures are matched on ipmitool's "… failed: <completion code>" lines only, because `-v` also logs a harmless "Invalid command" for Get VSO Capabilities. */
export const IPMITOOL_ERROR_PATTERNS: readonly ErrorPattern[] = [
  { pattern: /RAKP 2 HMAC is invalid/, kind: 'auth', meaning: 'wrong password' },
  { pattern: /message indicates an error : (?:unauthorized name|invalid name length)/, kind: 'auth', meaning: 'unknown user name' },
  { pattern: /message indicates an error : invalid integrity check value/, kind: 'auth', meaning: 'wrong password' },
  { pattern: /message indicates an error : (?:unauthorized role or privilege level requested|unauthorized GUID)/, kind: 'auth', meaning: 'the user may not log in as administrator' },
  { pattern: /failed: Insufficient privilege level/, kind: 'auth', meaning: 'the user lacks the privilege for this command' },
  {
    pattern: /: (?:invalid (?:authentication|integrity|confidentiality) algorithm|no cipher suite match|no matching (?:authentication|integrity) payload)/,
    kind: 'unsupported',
    meaning: 'the BMC does not accept this cipher suite',
  },
  {
    pattern: /failed: (?:Command not supported in present state|Invalid command|Invalid data field in request|Parameter out of range|Request parameter\(s\) not supported)/,
    kind: 'unsupported',
    meaning: 'the BMC refused the command',
  },
  { pattern: /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities request/, kind: 'unreachable', meaning: 'no answer' },
  { pattern: /Address lookup for \S+ failed/, kind: 'unreachable', meaning: 'the address does not resolve' },
  { pattern: /^(?:Unable to (?:get|set)|Error (?:setting|Getting)) Chassis/m, kind: 'unreachable', meaning: 'no answer during the session' },
  { pattern: /Unable to establish IPMI v2 \/ RMCP\+ session/, kind: 'unreachable', meaning: 'no session' },
];

const NOISE = /^(?:Loading IANA PEN Registry|Running Get VSO Capabilities|Invalid completion code received: Invalid command|Discovered IPMB address)/;

/** Classifies a failed ipmitool run by its stderr. Unknown failures are protocol errors (retryable). */
export function classifyIpmitoolFailure(stderr: string): IpmitoolFailure {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !NOISE.test(l));
  for (const { pattern, kind, meaning } of IPMITOOL_ERROR_PATTERNS) {
    const line = lines.find((l) => pattern.test(l));
    if (line !== undefined) return { kind, detail: `${meaning} (ipmitool: ${line.replace(/^>\s*/, '')})` };
  }
  const last = lines.at(-1);
  return { kind: 'protocol', detail: last === undefined ? 'ipmitool failed without a message' : `ipmitool: ${last.slice(0, 200)}` };
}
