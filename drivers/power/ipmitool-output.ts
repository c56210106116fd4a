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

const DEVICE_BY_SELECTOR: Readonly<Record<number, BootDeviceState['device']>> = {
  0: 'none',
  1: 'pxe',
  2: 'disk',
  3: 'disk',
};

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

/**
 * `cipher`: the BMC will not open a session with this cipher suite (try the next one);
 * `busy`: it has no session slot or is busy right now (retry shortly, a bounded number of times).
 */
export type IpmitoolFailureKind =
  | 'auth'
  | 'cipher'
  | 'busy'
  | 'unsupported'
  | 'unreachable'
  | 'protocol';

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

/**
 * ipmitool 1.8.19 src/plugins/lanplus/lanplus.c prints an Open Session refusal with this prefix.
 */
const OPEN_SESSION = 'Error in open session response message : ';

/**
 * First match wins. The texts are ipmitool 1.8.19's own: the RAKP status strings of
 * src/plugins/lanplus/lanplus_strings.c behind the prefixes lanplus.c prints them with, and
 * the completion codes of lib/ipmi_strings.c. An Open Session refusal of the algorithms (or
 * of the role, which BMCs answer when a suite is disabled for it: OpenStack Ironic's
 * ipmitool.py check_cipher_suite_errors treats it so too) is a cipher-suite refusal; the same
 * words after "RAKP 2 message indicates an error" are about the user. Command failures are
 * matched on "… failed: <completion code>" and raw's "(… rsp=0x..): <completion code>" lines
 * only, because `-v` also logs a harmless "Invalid command" for Get VSO Capabilities.
 */
const IPMITOOL_ERROR_PATTERNS: readonly ErrorPattern[] = [
  {
    pattern: new RegExp(
      `^${OPEN_SESSION}(?:invalid (?:authentication|integrity|confidentiality) algorithm|no matching (?:authentication algorithm|integrity payload|cipher suite)|invalid role)$`,
    ),
    kind: 'cipher',
    meaning: 'the BMC does not accept this cipher suite',
  },
  {
    pattern:
      /^(?:Authentication|Integrity|Encryption) algorithm 0x[0-9a-f]{2} is not what we requested 0x[0-9a-f]{2}$/,
    kind: 'cipher',
    meaning: 'the BMC offers other algorithms than this cipher suite',
  },
  {
    pattern: /^Unsupported cipher suite ID : \d+$/,
    kind: 'cipher',
    meaning: 'ipmitool does not know this cipher suite',
  },
  {
    pattern: /: insufficient resources for session$/,
    kind: 'busy',
    meaning: 'the BMC has no free session',
  },
  {
    pattern: /(?:failed|\)): (?:Node busy|BMC initialization in progress)$/,
    kind: 'busy',
    meaning: 'the BMC is busy',
  },
  { pattern: /RAKP 2 HMAC is invalid/, kind: 'auth', meaning: 'wrong password' },
  {
    pattern: /message indicates an error : (?:unauthorized name|invalid name length)$/,
    kind: 'auth',
    meaning: 'unknown user name',
  },
  {
    pattern: /message indicates an error : invalid integrity check value$/,
    kind: 'auth',
    meaning: 'wrong password',
  },
  {
    pattern:
      /message indicates an error : (?:unauthorized role requested|invalid role|insufficient resources for role|unauthorized GUID)$/,
    kind: 'auth',
    meaning: 'the user may not log in as administrator',
  },
  {
    pattern: /^Set Session Privilege Level to \S+ failed: /,
    kind: 'auth',
    meaning: 'the user may not log in as administrator',
  },
  {
    pattern: /failed: Insufficient privilege level$/,
    kind: 'auth',
    meaning: 'the user lacks the privilege for this command',
  },
  {
    pattern:
      /(?:failed|rsp=0x[0-9a-f]{2}\)): (?:Command not supported in present state|Invalid command|Invalid data field in request|Parameter out of range|Request parameter\(s\) not supported|Unknown \(0x8[0-9A-F]\))$/,
    kind: 'unsupported',
    meaning: 'the BMC refused the command',
  },
  {
    pattern:
      /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities request/,
    kind: 'unreachable',
    meaning: 'no answer',
  },
  {
    pattern: /Address lookup for \S+ failed/,
    kind: 'unreachable',
    meaning: 'the address does not resolve',
  },
  {
    pattern:
      /^(?:Unable to (?:get|set)|Error (?:setting|Getting)) Chassis|^Unable to send RAW command \([^)]*\)$/m,
    kind: 'unreachable',
    meaning: 'no answer during the session',
  },
  {
    pattern: /Unable to establish IPMI v2 \/ RMCP\+ session/,
    kind: 'unreachable',
    meaning: 'no session',
  },
];

const NOISE =
  /^(?:Loading IANA PEN Registry|Running Get VSO Capabilities|Invalid completion code received: Invalid command|Discovered IPMB address)/;

/**
 * Classifies a failed ipmitool run by its stderr. Unknown failures are protocol errors (retryable).
 */
export function classifyIpmitoolFailure(stderr: string): IpmitoolFailure {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.test(l));
  for (const { pattern, kind, meaning } of IPMITOOL_ERROR_PATTERNS) {
    const line = lines.find((l) => pattern.test(l));
    if (line !== undefined)
      return { kind, detail: `${meaning} (ipmitool: ${line.replace(/^>\s*/, '')})` };
  }
  const last = lines.at(-1);
  return {
    kind: 'protocol',
    detail:
      last === undefined ? 'ipmitool failed without a message' : `ipmitool: ${last.slice(0, 200)}`,
  };
}
