/**
 * How Redfish BMCs of different firmware families differ, as data: a lab Redfish BMC
 * follows one profile and refuses what that firmware refuses, with the Base registry's
 * MessageIds. Each field names the behaviour, not the vendor, so a profile is a few lines.
 * What each profile stands for, and where the behaviour was read, is in
 * docs/hardware-support/bmcs.md.
 */
export interface RedfishQuirks {
  /** The ETag a GET of the system carries: weak `W/"…"`, strong `"…"`, or none at all. */
  readonly etag: 'weak' | 'strong' | 'none';
  /** A PATCH without If-Match: refused with 428 PreconditionRequired, or taken. */
  readonly ifMatch: 'required' | 'optional';
  /**
   * How If-Match is compared with the current ETag. `strong` (RFC 7232 §2.3.2): a weak tag
   * never matches, so a client that sends back the `W/"…"` it read gets 412 until it sends
   * the opaque part alone; this is why sushy's connector retries weak as strong.
   */
  readonly compare: 'weak' | 'strong';
  /**
   * The Boot override is written through `@Redfish.Settings` (a SettingsObject) and applied at the
   * next reset.
   */
  readonly bootSettings: boolean;
  /**
   * A PATCH that sets BootSourceOverrideEnabled or BootSourceOverrideMode to the value it
   * already has is refused (OpenStack Ironic story 2007355: why Ironic sends them only when
   * they change).
   */
  readonly refuseUnchangedBoot: boolean;
  /** How the BMC says it is busy while the host runs POST after a power-on or reset. */
  readonly busyDuringPost: 'none' | 'service-unavailable' | 'bad-request';
  /** Base message registry version in MessageIds (`Base.1.8.PreconditionFailed`). */
  readonly baseRegistry: string;
}

export const REDFISH_PROFILES = {
  /** The lab's historical BMC: weak ETags, If-Match required (weak comparison). */
  default: {
    etag: 'weak',
    ifMatch: 'required',
    compare: 'weak',
    bootSettings: false,
    refuseUnchangedBoot: false,
    busyDuringPost: 'none',
    baseRegistry: '1.8',
  },
  /**
   * Strong ETags required on PATCH, Boot through @Redfish.Settings applied at reset, 503 +
   * Retry-After (SYS518) during POST.
   */
  idrac: {
    etag: 'strong',
    ifMatch: 'required',
    compare: 'strong',
    bootSettings: true,
    refuseUnchangedBoot: true,
    busyDuringPost: 'service-unavailable',
    baseRegistry: '1.12',
  },
  /**
   * Weak ETags that only match as strong ones, If-Match optional, 400
   * UnableToModifyDuringSystemPOST during POST.
   */
  ilo: {
    etag: 'weak',
    ifMatch: 'optional',
    compare: 'strong',
    bootSettings: false,
    refuseUnchangedBoot: false,
    busyDuringPost: 'bad-request',
    baseRegistry: '1.4',
  },
  /** No ETag at all; If-Match is not required. */
  openbmc: {
    etag: 'none',
    ifMatch: 'optional',
    compare: 'weak',
    bootSettings: false,
    refuseUnchangedBoot: false,
    busyDuringPost: 'none',
    baseRegistry: '1.13',
  },
} as const satisfies Record<string, RedfishQuirks>;

export type RedfishProfileName = keyof typeof REDFISH_PROFILES;
export const REDFISH_PROFILE_NAMES = Object.keys(REDFISH_PROFILES) as [
  RedfishProfileName,
  ...RedfishProfileName[],
];

export function isRedfishProfile(name: string): name is RedfishProfileName {
  return Object.hasOwn(REDFISH_PROFILES, name);
}

/**
 * Whether an If-Match header passes. `weak`: the opaque parts are compared (RFC 7232 weak
 * comparison). `strong`: an If-Match that is itself weak never passes (RFC 7232 strong
 * comparison), while the BMC compares the opaque part of its own tag, even a weak one.
 */
export function etagMatches(
  ifMatch: string,
  current: string,
  compare: RedfishQuirks['compare'],
): boolean {
  if (ifMatch === '*') return true;
  if (compare === 'strong' && ifMatch.startsWith('W/')) return false;
  return ifMatch.replace(/^W\//, '') === current.replace(/^W\//, '');
}
