/**
 * What the AES-256-GCM payload codec adds per payload: bytes, and encode/decode time for a small
 * input (200 B), a runbook report (10 kB) and a large payload (1 MB). Run: npx tsx
 * bench/payload-codec.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseCodecKeys } from '../temporal/codec-keys';
import { AesGcmPayloadCodec } from '../temporal/payload-codec';

const codec = new AesGcmPayloadCodec(
  parseCodecKeys(`bench ${randomBytes(32).toString('base64')}`, 'bench'),
);

async function microseconds(n: number, f: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await f();
  return Number(process.hrtime.bigint() - t) / n / 1000;
}

async function main(): Promise<void> {
  for (const size of [200, 10_000, 1_000_000]) {
    const p = defaultPayloadConverter.toPayload({ s: 'x'.repeat(size) });
    const [enc] = await codec.encode([p]);
    const n = size >= 1_000_000 ? 50 : 5000;
    const e = await microseconds(n, () => codec.encode([p]));
    const d = await microseconds(n, () => codec.decode([enc!]));
    console.log(
      `${p.data!.length} B payload: +${enc!.data!.length - p.data!.length} B, encode ${e.toFixed(1)} µs, decode ${d.toFixed(1)} µs`,
    );
  }
}

void main();
