/**
 * How the lab's IPMI BMCs differ, as data. Every one is a real OpenIPMI ipmi_sim, which
 * speaks cipher suites 0–3 and refuses 17 ("invalid authentication algorithm"); a profile
 * that refuses more puts ./rmcp-cipher-gate in front of it. Where each behaviour was read
 * is in docs/hardware-support/bmcs.md.
 */
export interface IpmiQuirks {
  /** Suites whose Open Session is refused with "no matching cipher suite" before ipmi_sim sees it. */
  readonly refusedCipherSuites: readonly number[];
}

export const IPMI_PROFILES = {
  /** ipmi_sim as it is. */
  default: { refusedCipherSuites: [] },
  /** Firmware that has cipher suite 3 disabled (hardened BMCs keep only SHA-256 suites such as 17). */
  'no-suite-3': { refusedCipherSuites: [3] },
} as const satisfies Record<string, IpmiQuirks>;

export type IpmiProfileName = keyof typeof IPMI_PROFILES;

export function isIpmiProfile(name: string): name is IpmiProfileName {
  return Object.hasOwn(IPMI_PROFILES, name);
}
