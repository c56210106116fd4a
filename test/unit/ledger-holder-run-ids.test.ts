import { findRunbook } from '../../api/runbook-catalog';
import { holderSchema } from '../../inventory/ledger-records';
import { siteFailoverInputSchema } from '../../workflows/site-failover/site-failover-input';

describe('ledger lease holders are the run ids the API makes', () => {
  it('accepts a site-failover of several racks (its id names the first rack and "+<more>")', () => {
    const entry = findRunbook('site-failover')!;
    const input = siteFailoverInputSchema.parse({ racks: ['lost-r01', 'lost-r02', 'lost-r03'] });
    const id = entry.workflowId(input as never, new Date('2026-12-06T18:00:00Z'));
    expect(id).toContain('lost-r01+2/');
    expect(holderSchema.safeParse(id).success).toBe(true);
  });

  it('still refuses what no run id holds, naming the rule', () => {
    const bad = holderSchema.safeParse('site-failover/r1 r2');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/^must be a workflow id/);
  });
});
