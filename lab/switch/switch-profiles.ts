import type { SwitchVendor } from '../../inventory/topology-schema';

/**
 * Named quirk profiles of the lab switches: real fleets mix firmware, AAA setups and
 * colleagues at the CLI, so each peer can be set to behave like one of them. The first
 * profile of a vendor is the one a lab switch starts with. Durations count from the moment
 * the profile is applied.
 */
export interface SwitchProfile {
  /**
   * IOS/EOS: a privilege-15 login lands at `#`; otherwise at `>` and `enable` asks for the secret.
   */
  readonly privilegedLogin?: boolean;
  /** Junos: another user holds `configure exclusive` this long; commits are refused meanwhile. */
  readonly lockedByOtherMs?: number;
  /**
   * Junos: another user has uncommitted changes in the shared candidate this long, then discards
   * them.
   */
  readonly sharedEditsByOtherMs?: number;
  /** Junos: a commit answers only after this long (commit scripts, a slow routing engine). */
  readonly commitMs?: number;
  /**
   * SONiC: `sudo` wants a password (no NOPASSWD rule), which an exec without a terminal cannot
   * give.
   */
  readonly sudoNeedsPassword?: boolean;
  /** NVUE: `nv config apply` asks `Are you sure? [y/N]` unless given `-y`. */
  readonly applyPrompts?: boolean;
}

export const SWITCH_PROFILES = {
  'cisco-ios': {
    'user-exec-login': { privilegedLogin: false },
    'priv15-login': { privilegedLogin: true },
  },
  'arista-eos': {
    'user-exec-login': { privilegedLogin: false },
    'priv15-login': { privilegedLogin: true },
  },
  'dell-os10': { 'sysadmin-login': {} },
  junos: {
    'private-candidate': {},
    'locked-by-other': { lockedByOtherMs: 1_500 },
    'shared-edits-by-other': { sharedEditsByOtherMs: 1_500 },
    'slow-commit': { commitMs: 1_200 },
  },
  'cumulus-nvue': {
    'apply-prompt': { applyPrompts: true },
    'no-apply-prompt': { applyPrompts: false },
  },
  sonic: {
    'nopasswd-sudo': { sudoNeedsPassword: false },
    'sudo-password': { sudoNeedsPassword: true },
  },
} as const satisfies Partial<Record<SwitchVendor, Record<string, SwitchProfile>>>;

export type ProfiledVendor = keyof typeof SWITCH_PROFILES;

export function profileNames(vendor: ProfiledVendor): string[] {
  return Object.keys(SWITCH_PROFILES[vendor]);
}

export function switchProfile(vendor: SwitchVendor, name: string): SwitchProfile | undefined {
  const table = (SWITCH_PROFILES as Partial<Record<SwitchVendor, Record<string, SwitchProfile>>>)[
    vendor
  ];
  return table?.[name];
}
