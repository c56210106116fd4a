import { createCipheriv, createHash } from 'node:crypto';

/**
 * What a persona's local disk holds in the lab: deterministic pseudo-random bytes (AES-128-CTR
 * over zeros, keyed by the persona's name), so any range can be produced without storing the
 * disk, incompressible like a real one, and a copy can be checked against the original.
 */
const AES_BLOCK = 16;
const PIECE = 4 * 1024 * 1024;

function keyOf(persona: string): Buffer {
  return createHash('sha256').update(`rackshift lab disk of ${persona}`).digest().subarray(0, 16);
}

export function diskBytes(persona: string, offset: number, length: number): Buffer {
  const block = Math.floor(offset / AES_BLOCK);
  const skip = offset - block * AES_BLOCK;
  const iv = Buffer.alloc(AES_BLOCK);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-128-ctr', keyOf(persona), iv);
  return cipher.update(Buffer.alloc(skip + length)).subarray(skip);
}

const digests = new Map<string, string>();

/**
 * SHA-256 (hex) of the persona's whole disk of `sizeBytes`; remembered, since tests and VM boots
 * ask often.
 */
export function diskSha256(persona: string, sizeBytes: number): string {
  const key = `${persona}\0${sizeBytes}`;
  const known = digests.get(key);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  for (let at = 0; at < sizeBytes; at += PIECE)
    hash.update(diskBytes(persona, at, Math.min(PIECE, sizeBytes - at)));
  const digest = hash.digest('hex');
  digests.set(key, digest);
  return digest;
}
