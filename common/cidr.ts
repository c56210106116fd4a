import { isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  /** undefined: a single address. */
  readonly bits?: number;
  readonly type: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd00::/8` or a bare address; undefined when it is neither. */
export function parseCidr(entry: string): Cidr | undefined {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? undefined : Number(prefix);
  const max = family === 6 ? 128 : 32;
  if (
    family === 0 ||
    extra !== undefined ||
    (bits !== undefined &&
      !(Number.isInteger(bits) && bits >= 0 && bits <= max && prefix === String(bits)))
  )
    return undefined;
  return { address, ...(bits !== undefined && { bits }), type: family === 6 ? 'ipv6' : 'ipv4' };
}
