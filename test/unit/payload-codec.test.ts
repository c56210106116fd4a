import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  CodecKeyError,
  parseCodecKeys,
  readCodecKeyFile,
  type CodecKeyRing,
} from '../../temporal/codec-keys';
import {
  AesGcmPayloadCodec,
  PayloadTamperedError,
  UnknownCodecKeyError,
} from '../../temporal/payload-codec';

const k = (): string => randomBytes(32).toString('base64');
const k1 = k();
const k2 = k();
const ring1 = parseCodecKeys(`k1 ${k1}\n`, 'test');
const ring12 = parseCodecKeys(`# rotated\nk1 ${k1}\n\nk2 ${k2}\n`, 'test');
const value = { persona: 'web-01', machine: 'm-r1-01', note: 'é ✓' };
const payload = (): Payload => defaultPayloadConverter.toPayload(value);
const str = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('utf8');

async function encodeOne(ring: CodecKeyRing, p: Payload = payload()): Promise<Payload> {
  return (await new AesGcmPayloadCodec(ring).encode([p]))[0]!;
}

describe('AES-256-GCM payload codec', () => {
  it('round-trips a payload; the encoded one shows neither the value nor its encoding', async () => {
    const codec = new AesGcmPayloadCodec(ring1);
    const [enc] = await codec.encode([payload()]);
    expect(str(enc!.metadata!.encoding)).toBe('binary/encrypted');
    expect(str(enc!.metadata!['encryption-key-id'])).toBe('k1');
    expect(Object.keys(enc!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    for (const plain of ['web-01', 'm-r1-01', 'json/plain'])
      expect(Buffer.from(enc!.data!).includes(plain)).toBe(false);
    const [dec] = await codec.decode([enc!]);
    expect(str(dec!.metadata!.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(dec!)).toEqual(value);
  });

  it('uses a fresh IV: the same value encrypts differently each time', async () => {
    const a = await encodeOne(ring1);
    const b = await encodeOne(ring1);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('rotation: encodes with the newest key, decodes what the older key wrote', async () => {
    const old = await encodeOne(ring1);
    const rotated = new AesGcmPayloadCodec(ring12);
    expect(rotated.currentKeyId).toBe('k2');
    const fresh = (await rotated.encode([payload()]))[0]!;
    expect(str(fresh.metadata!['encryption-key-id'])).toBe('k2');
    const decoded = await rotated.decode([old, fresh]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([value, value]);
  });

  it('refuses a payload of a key it does not know, naming the key id', async () => {
    const fresh = await encodeOne(ring12);
    const err = await new AesGcmPayloadCodec(ring1).decode([fresh]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownCodecKeyError);
    expect((err as Error).name).toBe('UnknownCodecKeyError');
    expect((err as Error).message).toMatch(/key "k2".*it knows: k1/);
  });

  it('refuses a tampered payload: a flipped bit, a truncated one, or a swapped key id', async () => {
    const codec = new AesGcmPayloadCodec(ring12);
    const good = await encodeOne(ring12);
    const flipped = Buffer.from(good.data!);
    flipped[20] = flipped[20]! ^ 1;
    const swapped = {
      ...good,
      metadata: { ...good.metadata, 'encryption-key-id': Buffer.from('k1') },
    };
    for (const bad of [
      { ...good, data: flipped },
      { ...good, data: Buffer.from(good.data!).subarray(0, 20) },
      swapped,
    ]) {
      const err = await codec.decode([bad]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadTamperedError);
      expect((err as Error).name).toBe('PayloadTamperedError');
    }
  });

  it('passes payloads that were never encrypted through decode', async () => {
    const [p] = await new AesGcmPayloadCodec(ring1).decode([payload()]);
    expect(defaultPayloadConverter.fromPayload(p!)).toEqual(value);
  });
});

describe('codec keys', () => {
  const refusal = (text: string): string => {
    try {
      parseCodecKeys(text, 'RACKSHIFT_CODEC_KEYS');
    } catch (e) {
      expect(e).toBeInstanceOf(CodecKeyError);
      expect((e as Error).message).not.toContain(k1);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('refuses bad key lines, naming the source and line, never echoing the key', () => {
    expect(refusal('')).toBe('RACKSHIFT_CODEC_KEYS: no key in it');
    expect(refusal(`k1\n`)).toBe('RACKSHIFT_CODEC_KEYS line 1: must be "<key id> <base64 key>"');
    expect(refusal(`bad/id ${k1}`)).toMatch(/^RACKSHIFT_CODEC_KEYS line 1: key id must be/);
    expect(refusal(`\nk1 ${randomBytes(16).toString('base64')}`)).toMatch(
      /^RACKSHIFT_CODEC_KEYS line 2: key k1 must be 32 bytes .* got 16 bytes$/,
    );
    expect(refusal(`k1 ${k1}\nk1 ${k1}`)).toBe(
      'RACKSHIFT_CODEC_KEYS line 2: key id k1 appears twice',
    );
  });

  it('reads a 0600 key file and refuses one others can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rackshift-codec-'));
    const file = join(dir, 'keys');
    writeFileSync(file, `k1 ${k1}\nk2 ${k2}\n`, { mode: 0o600 });
    const ring = readCodecKeyFile(file, '--codec-key-file');
    expect(ring.current).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k1', 'k2']);
    chmodSync(file, 0o644);
    expect(() => readCodecKeyFile(file, '--codec-key-file')).toThrow(
      `--codec-key-file: ${file} has mode 644; it must be 0600 (chmod 600 ${file})`,
    );
    expect(() => readCodecKeyFile(join(dir, 'none'), '--codec-key-file')).toThrow(
      /--codec-key-file: cannot read .* \(ENOENT\)/,
    );
  });
});
