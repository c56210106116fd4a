import { createHash } from 'node:crypto';

/**
 * OpenSSH's `SHA256:` fingerprint (unpadded base64 of the SHA-256 of the key blob), as `ssh-keygen
 * -l` prints it.
 */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint of a public key line (`ssh-ed25519 AAAA… comment`). */
export function publicKeyLineFingerprint(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (blob === undefined) throw new Error('not an OpenSSH public key line');
  return hostKeyFingerprint(Buffer.from(blob, 'base64'));
}

/** Topology fingerprints may carry base64 padding; OpenSSH never prints it. */
export function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}
