/**
 * Firmware and fabric differences the lab FOS peer can take on, as data. Real fleets mix
 * FOS releases, and a fabric can carry a transaction another administrator left open.
 */
export interface FosProfile {
  /**
   * Where a defined entry's members go: on its name line (`;`-separated, wrapped) or on the lines
   * below it.
   */
  readonly definedMembers: 'same-line' | 'next-lines';
  /**
   * Where an effective zone's members go: one per line below the name, or `;`-separated on the name
   * line.
   */
  readonly effectiveMembers: 'one-per-line' | 'same-line';
  /** The CLI prompt, e.g. `fab-a:FID128:admin> ` (Virtual Fabrics enabled) or `fab-a:admin> `. */
  readonly prompt: (switchName: string, user: string) => string;
  /** Another CLI session holds an open zoning transaction from the start (its token). */
  readonly foreignTransaction?: number;
}

export const FOS_PROFILES = {
  /**
   * FOS 8.2: Virtual Fabrics on, defined members on the name line, effective members one per line.
   */
  'fos-8': {
    definedMembers: 'same-line',
    effectiveMembers: 'one-per-line',
    prompt: (name: string, user: string) => `${name}:FID128:${user}> `,
  },
  /** FOS 9.1 on a switch without Virtual Fabrics: members below the name line in both databases. */
  'fos-9': {
    definedMembers: 'next-lines',
    effectiveMembers: 'one-per-line',
    prompt: (name: string, user: string) => `${name}:${user}> `,
  },
  /** FOS 8 where another administrator's session left a zoning transaction open. */
  'foreign-transaction': {
    definedMembers: 'same-line',
    effectiveMembers: 'same-line',
    prompt: (name: string, user: string) => `${name}:FID128:${user}> `,
    foreignTransaction: 0x3109,
  },
} as const satisfies Record<string, FosProfile>;

export type FosProfileName = keyof typeof FOS_PROFILES;
export const FOS_PROFILE_NAMES = Object.keys(FOS_PROFILES) as FosProfileName[];
