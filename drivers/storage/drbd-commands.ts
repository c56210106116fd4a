import type { ErrorPattern } from './command-template';
import type { ReplicaStatus } from './replication-driver';

/**
 * drbd-utils 9 `drbdadm` per replication operation; `{name}` is the resource. Both array kinds
 * (tgt, LIO) export LUNs whose backing is a DRBD device, so both speak the same commands.
 */
export const DRBDADM_TEMPLATES = {
  status: 'drbdadm status {name}',
  primary: 'drbdadm primary {name}',
  forcePrimary: 'drbdadm primary --force {name}',
  secondary: 'drbdadm secondary {name}',
  connect: 'drbdadm connect {name}',
  connectDiscarding: 'drbdadm connect --discard-my-data {name}',
} as const;

/**
 * drbdsetup's state-change refusals (drbd_strings.c) and drbdadm's unknown resource. Only a
 * concurrent state change (-19) is worth another try.
 */
export const DRBD_ERROR_PATTERNS: readonly ErrorPattern[] = [
  { pattern: /State change failed: \(-19\)/, retryable: true },
  { pattern: /State change failed: \(-?\d+\) .+/, retryable: false },
  { pattern: /not defined in your config/, retryable: false },
];

const ROLE: Readonly<Record<string, 'primary' | 'secondary'>> = {
  Primary: 'primary',
  Secondary: 'secondary',
};

/** `key:value` tokens of one status line. */
function tokens(line: string): Map<string, string> {
  return new Map(
    line
      .trim()
      .split(/\s+/)
      .map((t) => t.split(':') as [string, string?])
      .filter((kv): kv is [string, string] => kv[1] !== undefined),
  );
}

/**
 * `drbdadm status <res>` of a two-node resource:
 * ```
 * db-boot role:Secondary
 *   disk:UpToDate
 *   array-a role:Primary
 *     replication:Established peer-disk:UpToDate
 * ```
 * (a peer line reads `array-a connection:Connecting` while the peer is unreachable). Undefined
 * when the output is not that shape.
 */
export function parseDrbdStatus(
  output: string,
  lun: string,
  resource: string,
): ReplicaStatus | undefined {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const [head, diskLine, peerLine, replLine] = lines;
  if (head === undefined || !head.startsWith(`${resource} `)) return undefined;
  const role = ROLE[tokens(head).get('role') ?? ''];
  const disk = tokens(diskLine ?? '').get('disk');
  const peerName = peerLine?.trim().split(/\s+/)[0];
  if (role === undefined || disk === undefined || peerName === undefined) return undefined;
  const peer = tokens(peerLine ?? '');
  const repl = tokens(replLine ?? '');
  const peerRole = ROLE[peer.get('role') ?? ''];
  const replication = repl.get('replication');
  const peerDisk = repl.get('peer-disk');
  return {
    lun,
    resource,
    role,
    disk,
    peer: {
      name: peerName,
      connection: peer.get('connection') ?? 'Connected',
      ...(peerRole !== undefined && { role: peerRole }),
      ...(replication !== undefined && { replication }),
      ...(peerDisk !== undefined && { disk: peerDisk }),
    },
  };
}
