import fc from 'fast-check';
import { ValidationError } from '../../common/errors';
import { DRILL_CLONE_ID_PATTERN, ID_PATTERN } from '../../inventory/patterns';
import { lunSchema } from '../../inventory/topology-schema';
import { cloneIdFor, drillTag } from '../../domain/drill/drill-names';

describe('drill names', () => {
  it('a drill tag is the first 6 hex digits of the 32-bit FNV-1a hash of the workflow id', () => {
    // Published FNV-1a 32-bit vectors: "a" → e40c292c, "foobar" → bf9cf968.
    expect(drillTag('a')).toBe('e40c29');
    expect(drillTag('foobar')).toBe('bf9cf968'.slice(0, 6));
    expect(drillTag('dr-drill/2026-q3')).toBe(drillTag('dr-drill/2026-q3'));
    expect(drillTag('dr-drill/2026-q3')).not.toBe(drillTag('dr-drill/2026-q4'));
    expect(() => drillTag('')).toThrow(ValidationError);
  });

  it('a clone id is <lun>.drill-<tag>, which no topology LUN may be called', () => {
    expect(cloneIdFor('db-01-boot', 'a1b2c3')).toBe('db-01-boot.drill-a1b2c3');
    expect(lunSchema.safeParse({ id: 'db-01-boot', sizeGiB: 1 }).success).toBe(true);
    const refused = lunSchema.safeParse({ id: 'db-01-boot.drill-a1b2c3', sizeGiB: 1 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({
      path: ['id'],
      message: expect.stringContaining('reserved for DR drill snapshot clones'),
    });
  });

  it('ids of up to 50 characters are kept whole; longer ones are cut and hashed so they stay distinct, never past 63', () => {
    const fifty = `${'a'.repeat(49)}b`;
    expect(cloneIdFor(fifty, 'a1b2c3')).toBe(`${fifty}.drill-a1b2c3`);
    expect(cloneIdFor(fifty, 'a1b2c3')).toHaveLength(63);
    const long1 = `${'x'.repeat(50)}-data-1`;
    const long2 = `${'x'.repeat(50)}-data-2`;
    expect(cloneIdFor(long1, 'a1b2c3')).toHaveLength(63);
    expect(cloneIdFor(long1, 'a1b2c3')).toMatch(/^x{43}-[0-9a-f]{6}\.drill-a1b2c3$/);
    expect(cloneIdFor(long1, 'a1b2c3')).not.toBe(cloneIdFor(long2, 'a1b2c3'));
  });

  it('every LUN id gives a clone id that is a valid id, shaped as a clone, and not a valid topology LUN id', () => {
    fc.assert(
      fc.property(fc.stringMatching(ID_PATTERN), fc.stringMatching(/^[0-9a-f]{6}$/), (lun, tag) => {
        const id = cloneIdFor(lun, tag);
        expect(id).toMatch(ID_PATTERN);
        expect(id).toMatch(DRILL_CLONE_ID_PATTERN);
        expect(id.endsWith(`.drill-${tag}`)).toBe(true);
        expect(lunSchema.safeParse({ id, sizeGiB: 1 }).success).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a LUN id or tag of the wrong shape, naming the field', () => {
    expect(() => cloneIdFor('DB 01', 'a1b2c3')).toThrow(/drill clone id: lun: /);
    expect(() => cloneIdFor('db-01-boot', 'xyz')).toThrow(/drill clone id: tag: /);
  });
});
