import type { IpmiBmc } from '../../inventory/topology-schema';

/**
 * Suite 17 (HMAC-SHA256, AES-128) first, then 3 (HMAC-SHA1, AES-128): OpenStack Ironic's
 * ipmitool driver calls these the only two worth using and prefers 17; BMCs hardened by
 * their vendor refuse 3, older ones (and OpenIPMI ipmi_sim) do not know 17.
 */
const DEFAULT_CIPHER_SUITES: readonly number[] = [17, 3];

/**
 * The suites a BMC's topology entry allows, best first (the old single `cipherSuite` is a list of
 * one).
 */
export function configuredCipherSuites(bmc: IpmiBmc): readonly number[] {
  if (bmc.cipherSuites !== undefined) return bmc.cipherSuites;
  return bmc.cipherSuite === undefined ? DEFAULT_CIPHER_SUITES : [bmc.cipherSuite];
}

/**
 * The cipher suite each BMC last opened a session with, so that only the first contact
 * after a start pays for the refusals. Keyed by `address:port`; shared by every driver of
 * the process (drivers are made per activity call), forgotten when the suite is refused.
 */
export class CipherSuiteMemory {
  private readonly worked = new Map<string, number>();

  /** The configured suites, the one that worked last moved to the front. */
  order(bmcKey: string, configured: readonly number[]): readonly number[] {
    const known = this.worked.get(bmcKey);
    if (known === undefined || !configured.includes(known)) return configured;
    return [known, ...configured.filter((s) => s !== known)];
  }

  remember(bmcKey: string, suite: number): void {
    this.worked.set(bmcKey, suite);
  }

  forget(bmcKey: string, suite: number): void {
    if (this.worked.get(bmcKey) === suite) this.worked.delete(bmcKey);
  }
}

export const processCipherSuiteMemory = new CipherSuiteMemory();
