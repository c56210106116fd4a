import { ApplicationFailure } from '@temporalio/workflow';
import { machineResource } from '../../inventory/ledger-records';
import type { RunbookRun } from '../runbook-run';
import { HardwareSteps } from '../steps/hardware-steps';

/**
 * Runs started before leased a source machine, cleared its boot assignment and recorded it idle in
 * the TARGET's site ledger: a persona of site A restored at site B left site A's ledger saying its
 * burned machine was on, healthy and booting the persona, and put a record of it in B's ledger.
 */
export const SOURCE_OWN_LEDGER_PATCH = 'repurpose-source-in-its-own-site-ledger';

/**
 * Where a repurpose records the machines a persona leaves: each in its own site's ledger, leased
 * there by the run (a lease of site B's ledger says nothing to a run of site A). The target site's
 * steps serve sources of its own site; another site's are made once, and released when the move
 * is done (their lease undo releases them when it fails).
 */
export class SourceLedgers {
  private readonly others = new Map<string, HardwareSteps>();

  constructor(
    private readonly run: RunbookRun,
    private readonly target: HardwareSteps,
    /** false: replaying a run from before SOURCE_OWN_LEDGER_PATCH (sources leased at target). */
    private readonly own: boolean,
  ) {}

  /** The steps that record `source` (of `site`), with `source` leased in that site's ledger. */
  async leaseAt(source: string, site: string, persona: string): Promise<HardwareSteps> {
    if (!this.own) return this.target;
    let at = site === this.target.site ? this.target : this.others.get(site);
    if (at === undefined) {
      at = new HardwareSteps(this.run.saga, this.run.journal, this.target.holder, site);
      this.others.set(site, at);
    }
    if (!(await at.tryLease([machineResource(source)], `vacate ${source} for ${persona}`)))
      throw ApplicationFailure.create({
        type: 'LeaseConflictError',
        nonRetryable: true,
        message: `${source} is leased by another run at ${site}: ${persona} cannot leave it`,
      });
    return at;
  }

  /** Gives back the leases this run holds in other sites' ledgers (the move is done). */
  async releaseOthers(): Promise<void> {
    for (const at of this.others.values()) await at.releaseAll();
  }
}
