/**
 * How the lab's IPMI BMCs differ, as data. Every one is a real OpenIPMI ipmi_sim, which
 * speaks cipher suites 0–3 and refuses 17 ("invalid authentication algorithm"); a profile
 * that refuses more puts ./rmcp-cipher-gate in front of it. Where each behaviour was read
 * is in docs/hardware-support/bmcs.md.
 */
export interface IpmiQuirks {
  /**
   * Suites whose Open Session is refused with "no matching cipher suite" before ipmi_sim sees it.
   */
  readonly refusedCipherSuites: readonly number[];
  /**
   * Expire a next-boot-only override whose valid bit times out (./ipmi-boot-flag-timeout).
   * The lab can only read requests of unencrypted sessions, so such a profile also refuses
   * suite 3 and is reached through suite 2 (integrity, no confidentiality) in tests.
   */
  readonly bootFlagTimeout: boolean;
  /**
   * A BMC whose session table is full (other tools' sessions, until they time out): of every
   * `busyOpenSessions + 1` Open Session Requests, the first `busyOpenSessions` are answered
   * "insufficient resources for session" (status 0x01) and the next one reaches ipmi_sim.
   */
  readonly busyOpenSessions?: number;
}

export const IPMI_PROFILES = {
  /** ipmi_sim as it is. */
  default: { refusedCipherSuites: [], bootFlagTimeout: false },
  /**
   * Firmware that has cipher suite 3 disabled (hardened BMCs keep only SHA-256 suites such as 17).
   */
  'no-suite-3': { refusedCipherSuites: [3], bootFlagTimeout: false },
  /** The boot flags' valid bit expires as the IPMI spec says, unless parameter 3 keeps it. */
  'spec-boot-flags': { refusedCipherSuites: [3], bootFlagTimeout: true },
  /** No free session slot for two Open Sessions in three. */
  'busy-sessions': { refusedCipherSuites: [], bootFlagTimeout: false, busyOpenSessions: 2 },
} as const satisfies Record<string, IpmiQuirks>;

export type IpmiProfileName = keyof typeof IPMI_PROFILES;

export function isIpmiProfile(name: string): name is IpmiProfileName {
  return Object.hasOwn(IPMI_PROFILES, name);
}
