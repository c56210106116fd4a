import { readFileSync, statSync } from 'node:fs';
import { RackshiftError } from '../common/errors';

/** A payload key the operator got wrong; the message names the flag or variable and the line. */
export class CodecKeyError extends RackshiftError {
  override readonly name = 'CodecKeyError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/**
 * The payload keys a process knows, by id. `current` encodes; every key decodes, so a key can be
 * rotated by adding a newer one and removing the old one only once nothing it wrote is kept.
 */
export interface CodecKeyRing {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export const KEY_ID_RULE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Keys as text: one `<key id> <base64 of 32 random bytes>` a line, the newest last (it encodes);
 * blank lines and `#` comments are skipped. `openssl rand -base64 32` makes a key. `source` names
 * where the text came from, for errors; the key itself is never in a message.
 */
export function parseCodecKeys(text: string, source: string): CodecKeyRing {
  const keys = new Map<string, Buffer>();
  let current: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${i + 1}`;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (!m) throw new CodecKeyError(`${where}: must be "<key id> <base64 key>"`);
    const [, id, b64] = m as unknown as [string, string, string];
    if (!KEY_ID_RULE.test(id))
      throw new CodecKeyError(
        `${where}: key id must be 1-64 letters, digits, '.', '_' or '-', got "${id}"`,
      );
    const key = Buffer.from(b64, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length !== 32)
      throw new CodecKeyError(
        `${where}: key ${id} must be 32 bytes in base64 (AES-256), e.g. from \`openssl rand -base64 32\`; got ${key.length} bytes`,
      );
    if (keys.has(id)) throw new CodecKeyError(`${where}: key id ${id} appears twice`);
    keys.set(id, key);
    current = id;
  });
  if (current === undefined) throw new CodecKeyError(`${source}: no key in it`);
  return { current, keys };
}

/** The key file: must be 0600, as the secrets and token files (keys never go in argv). */
export function readCodecKeyFile(file: string, source: string): CodecKeyRing {
  let text: string;
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new CodecKeyError(
        `${source}: ${file} has mode ${mode.toString(8)}; it must be 0600 (chmod 600 ${file})`,
      );
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof CodecKeyError) throw e;
    throw new CodecKeyError(
      `${source}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseCodecKeys(text, `${source} ${file}`);
}
