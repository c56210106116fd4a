import { busyRetry } from '../../drivers/power/redfish-busy';
import { ifMatchFallbacks, usableEtag } from '../../drivers/power/redfish-etag';

describe('usableEtag', () => {
  it('takes the header first, then @odata.etag; an empty or blank one counts as none', () => {
    expect(usableEtag('W/"abc"', '"other"')).toBe('W/"abc"');
    expect(usableEtag(undefined, '"odata"')).toBe('"odata"');
    expect(usableEtag('', '"odata"')).toBe('"odata"');
    expect(usableEtag('  ', undefined)).toBeUndefined();
    expect(usableEtag(undefined, undefined)).toBeUndefined();
  });
});

describe('ifMatchFallbacks (sushy connector _etag_handler)', () => {
  it('weak: the opaque part as a strong tag, then no If-Match', () => {
    expect(ifMatchFallbacks('W/"1a2b"')).toEqual(['"1a2b"', undefined]);
  });

  it('strong: only without If-Match; none: nothing to try', () => {
    expect(ifMatchFallbacks('"1a2b"')).toEqual([undefined]);
    expect(ifMatchFallbacks(undefined)).toEqual([]);
  });
});

describe('busyRetry', () => {
  const res = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    body,
    headers,
  });
  const info = (id: string) => ({
    error: { '@Message.ExtendedInfo': [{ MessageId: id, Message: 'x' }] },
  });

  it('503 is busy, with Retry-After in seconds or as a date', () => {
    expect(busyRetry(res(503, undefined, { 'retry-after': '3' }))).toEqual({ afterMs: 3000 });
    expect(
      busyRetry(
        res(503, undefined, { 'retry-after': 'Sun, 06 Dec 2026 15:00:05 GMT' }),
        Date.parse('Sun, 06 Dec 2026 15:00:00 GMT'),
      ),
    ).toEqual({ afterMs: 5000 });
    expect(busyRetry(res(503, undefined))).toEqual({ afterMs: undefined });
  });

  it.each([
    'IDRAC.2.8.SYS518',
    'iLO.2.14.UnableToModifyDuringSystemPOST',
    'iLO.2.14.InvalidOperationForSystemState',
  ])('400 with %s is busy', (id) => {
    expect(busyRetry(res(400, info(id)))).toEqual({ afterMs: undefined });
  });

  it('other refusals are not', () => {
    expect(busyRetry(res(400, info('Base.1.8.PropertyValueNotInList')))).toBeUndefined();
    expect(busyRetry(res(412, info('Base.1.8.PreconditionFailed')))).toBeUndefined();
    expect(busyRetry(res(500, info('Base.1.8.InternalError')))).toBeUndefined();
  });
});
