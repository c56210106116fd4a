import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { RackshiftError } from '../common/errors';
import type { CodecKeyRing } from './codec-keys';

/** The encoding Temporal's samples and codec servers use for encrypted payloads. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

/** Thrown when a payload names a key this process does not have (not rotated in, or removed). */
export class UnknownCodecKeyError extends RackshiftError {
  override readonly name = 'UnknownCodecKeyError';
  constructor(keyId: string, known: readonly string[]) {
    super(
      `payload encrypted with key "${keyId}", which this process does not have (it knows: ${known.join(', ')}); add that key to the key file`,
      { retryable: false, context: { keyId } },
    );
  }
}

/** Thrown when an encrypted payload fails authentication: changed, truncated, or another key's. */
export class PayloadTamperedError extends RackshiftError {
  override readonly name = 'PayloadTamperedError';
  constructor(keyId: string, why: string) {
    super(`encrypted payload (key "${keyId}") does not authenticate: ${why}`, {
      retryable: false,
      context: { keyId },
    });
  }
}

const text = (b: Uint8Array | undefined | null): string =>
  b ? Buffer.from(b).toString('utf8') : '';

/**
 * AES-256-GCM over the whole serialized payload (its metadata too: the server sees neither the
 * value nor its encoding). A fresh random 96-bit IV per payload; the key id is in the clear
 * metadata and bound as additional data, so it cannot be swapped. Payloads not encrypted (written
 * before the codec was turned on) pass through decode unchanged.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly ring: CodecKeyRing) {}

  get currentKeyId(): string {
    return this.ring.current;
  }

  // async: a refusal rejects the promise, as the SDK expects, instead of throwing at the call.
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.ring.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.ring.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(keyId));
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(keyId),
      },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    const key = this.ring.keys.get(keyId);
    if (key === undefined) throw new UnknownCodecKeyError(keyId, [...this.ring.keys.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadTamperedError(keyId, `${data.length} bytes is shorter than IV and tag`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadTamperedError(keyId, 'the authentication tag does not match');
    }
    const decoded = ProtoPayload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}
