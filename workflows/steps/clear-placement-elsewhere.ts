import { ApplicationFailure } from '@temporalio/workflow';
import type { PersonaLocation } from '../../domain/placement/persona-location';
import { personaResource } from '../../inventory/ledger-records';
import type { RunbookRun } from '../runbook-run';
import { HardwareSteps } from './hardware-steps';

/**
 * Runs started before recorded a cross-site move only in the target site's ledger, so the old
 * site's ledger kept placing the persona on the machine it left (release then refused it as
 * "seen in several sites", and a failback took the old site's stale LUNs for current).
 */
export const CROSS_SITE_PLACEMENT_PATCH = 'move-clears-placement-at-old-site';

/**
 * After a persona was brought up at `site`, every other site whose ledger still places it (a
 * cross-site move: a failover to the other site, a failback home) records it placed nowhere
 * (an explicit `none`: "never placed" would read as "at its resting machine"). Each such ledger
 * is leased for the persona, the placement cleared with its undo registered, and the lease given
 * back: this is the move's last step, so nothing after it can fail and need the lease again.
 */
export async function clearPlacementElsewhere(
  run: RunbookRun,
  holder: string,
  persona: string,
  where: PersonaLocation,
  site: string,
): Promise<void> {
  const others = [...new Set(where.placements.map((p) => p.site))].filter((s) => s !== site);
  for (const other of others.sort()) {
    const steps = new HardwareSteps(run.saga, run.journal, holder, other);
    if (!(await steps.tryLease([personaResource(persona)], `clear ${persona}'s placement`)))
      throw ApplicationFailure.create({
        type: 'LeaseConflictError',
        nonRetryable: true,
        message: `${persona} is leased by another run at ${other}: its placement there stays`,
      });
    await steps.place(persona, { kind: 'none' });
    await steps.releaseAll();
  }
}
