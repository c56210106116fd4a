import { parseCidr } from '../common/cidr';
import { ValidationError } from '../common/errors';

/**
 * `--trusted-proxy 10.0.0.5,10.1.0.0/24`: the proxies whose X-Forwarded-For the API believes, for
 * Express's `trust proxy` (exactly this list: never `true`, which would believe any peer).
 */
export function parseTrustedProxies(value: string, source = '--trusted-proxy'): string[] {
  const entries = value.split(',').map((e) => e.trim());
  const issues = entries.flatMap((entry, i) =>
    parseCidr(entry) === undefined
      ? [
          {
            path: `${source}[${i}]`,
            message: `"${entry}" is not an IP address or CIDR like 10.0.0.0/8 or fd00::/8`,
          },
        ]
      : [],
  );
  if (issues.length > 0) throw new ValidationError('trusted proxies', issues);
  return entries;
}
