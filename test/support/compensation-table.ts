import { WorkflowFailedError } from '@temporalio/client';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FaultInjector } from './fault-injector';
import type { FullStack } from './full-stack';
import { labHardwareState } from './lab-snapshot';
import { ledgerFacts } from './ledger-state';

export interface CompensationTable {
  /** One line per run: where the fault fired and how many undos ran, then the clean run. */
  readonly rows: readonly string[];
  /** The report of the last run, which the fault never reached. */
  readonly completed: RunbookReport | undefined;
}

/**
 * Table-driven compensation: runs `execute(k)` with the k-th changing activity failing, for
 * k = 1, 2, … until a run completes without the fault firing. After every failed run it
 * asserts the run failed with the injected fault, nothing is left to fix by hand, and the
 * lab's switches, masks and power, the site's ledger, and whatever `more` reads (VMs…) are
 * exactly as before the run.
 */
export async function compensationTable(
  stack: FullStack,
  injector: FaultInjector,
  execute: (k: number) => Promise<unknown>,
  options: { readonly site?: string; readonly more?: () => unknown } = {},
): Promise<CompensationTable> {
  const site = options.site ?? 'dc1';
  const more = options.more ?? (() => undefined);
  const rows: string[] = [];
  for (let k = 1; k <= 40; k += 1) {
    const hardwareBefore = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot(site));
    const moreBefore = more();
    injector.reset(k);
    const result = await execute(k).catch((e: unknown) => e);
    if (injector.fired === undefined) {
      rows.push(`k=${k}: no fault left to inject; completed`);
      return { rows, completed: result as RunbookReport };
    }
    expect(result).toBeInstanceOf(WorkflowFailedError);
    const report = ((result as WorkflowFailedError).cause as { details?: unknown[] })
      .details?.[0] as RunbookReport;
    expect(report.error?.type).toBe('InjectedFault');
    expect(report.leftToFix).toEqual([]);
    expect(labHardwareState(stack.lab)).toEqual(hardwareBefore);
    expect(ledgerFacts(await stack.ledger.snapshot(site))).toEqual(ledgerBefore);
    expect(more()).toEqual(moreBefore);
    rows.push(`k=${k}: ${injector.fired} → ${report.compensations.length} undo(s), state restored`);
  }
  return { rows, completed: undefined };
}
