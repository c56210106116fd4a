import { CredentialError } from '../../common/errors';
import type { SecretStore } from '../../common/secrets';
import { CHAP_SECRET_PATTERN, CHAP_USER_PATTERN } from '../../inventory/patterns';
import type { TopologyIndex } from '../../inventory/topology-index';

/**
 * An incoming CHAP account: the initiator proves it knows `secret` as `user`. Never logged, never
 * in argv or history.
 */
export interface ChapAccount {
  readonly user: string;
  readonly secret: string;
}

/**
 * Resolves a CHAP credential at call time. The error names the credential and the rule,
 * never the value.
 */
export function resolveChap(secrets: SecretStore, credential: string): ChapAccount {
  const s = secrets.resolve(credential);
  if (!CHAP_USER_PATTERN.test(s.username))
    throw new CredentialError(
      credential,
      'a CHAP username is 1…64 letters, digits, ".", "_", ":" or "-"',
    );
  if (s.password === undefined || !CHAP_SECRET_PATTERN.test(s.password)) {
    throw new CredentialError(
      credential,
      'a CHAP secret (its password) is 12…64 characters of letters, digits and ._~+/- (RFC 3720 wants at least 12)',
    );
  }
  return { user: s.username, secret: s.password };
}

/** The CHAP credential of the persona that owns `lun` on `array`, if that persona names one. */
function chapCredentialOfLun(
  topology: TopologyIndex,
  array: string,
  lun: string,
): string | undefined {
  return topology.topology.personas.find(
    (p) => p.chap !== undefined && p.luns.some((l) => l.array === array && l.lun === lun),
  )?.chap;
}

/**
 * For an array driver: each LUN's CHAP account, resolved from the store each time it is asked (at
 * activity time).
 */
export function chapResolver(
  topology: TopologyIndex,
  secrets: SecretStore,
  array: string,
): (lunId: string) => ChapAccount | undefined {
  return (lunId) => {
    const credential = chapCredentialOfLun(topology, array, lunId);
    return credential === undefined ? undefined : resolveChap(secrets, credential);
  };
}
