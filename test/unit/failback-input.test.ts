import { failbackInputSchema } from '../../workflows/failback/failback-input';

describe('failback input', () => {
  it('takes the run id the API gives a site-failover it started (upper-case T and Z)', () => {
    const run = 'site-failover/site-a/20261206T221404Z-f541';
    expect(failbackInputSchema.parse({ run }).run).toBe(run);
    expect(failbackInputSchema.parse({ run: 'site-guard/site-a/e1/failover-manual' }).run).toBe(
      'site-guard/site-a/e1/failover-manual',
    );
  });

  it('refuses a run id with a character no workflow id of ours has, naming the field', () => {
    const r = failbackInputSchema.safeParse({ run: 'site-failover/a b' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['run']);
  });
});
