import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintMatches } from '../../drivers/power/redfish-tls';
import { labSmall, ROOT } from '../support/lab-fixtures';

const PIN =
  'A0:E8:C3:06:E0:17:AF:34:B2:60:69:D4:2A:96:97:3D:B1:D4:3B:B8:DF:D1:B7:12:57:91:78:94:3A:14:AE:8F';

describe('fingerprintMatches', () => {
  it('matches the same fingerprint, whatever the case of its hex digits', () => {
    expect(fingerprintMatches(PIN, PIN)).toBe(true);
    expect(fingerprintMatches(PIN.toLowerCase(), PIN)).toBe(true);
  });

  it('refuses a fingerprint that differs in one digit, a prefix, or none at all', () => {
    expect(fingerprintMatches(PIN.replace(/F$/, 'E'), PIN)).toBe(false);
    expect(fingerprintMatches(PIN.slice(0, 47), PIN)).toBe(false);
    expect(fingerprintMatches(`${PIN}:00`, PIN)).toBe(false);
    expect(fingerprintMatches(undefined, PIN)).toBe(false);
    expect(fingerprintMatches('', PIN)).toBe(false);
  });

  it('accepts the lab certificate with the fingerprint the example topology pins', async () => {
    const actual = new X509Certificate(readFileSync(join(ROOT, 'lab', 'keys', 'redfish-lab.crt')))
      .fingerprint256;
    const pins = (await labSmall()).sites
      .flatMap((s) => s.machines)
      .flatMap((m) =>
        m.bmc.driver === 'redfish' && m.bmc.tls?.fingerprint ? [m.bmc.tls.fingerprint] : [],
      );
    expect(pins.length).toBeGreaterThan(0);
    for (const pin of pins) expect(fingerprintMatches(actual, pin)).toBe(true);
  });
});
