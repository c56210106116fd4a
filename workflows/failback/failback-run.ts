import {
  ApplicationFailure,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { ledger } from '../activity-proxies/ledger';
import { plan } from '../activity-proxies/plan';
import { probePowerState } from '../activity-proxies/power';
import { CLUSTER_HOSTS } from '../hypervisor-bringup/host-check';
import type { HomePlacement } from '../../domain/failback/failback-move';
import { mapLimit } from '../../common/map-limit';
import { MACHINE_KEY, PERSONA_KEY, RUNBOOK_KEY } from '../../temporal/search-attributes';
import { p2v } from '../p2v/p2v-workflow';
import { release } from '../release/release-workflow';
import { repurpose } from '../repurpose/repurpose-workflow';
import { errorOf, failureReport, type RunbookReport } from '../runbook-report';
import type { RunJournal } from '../run-journal';
import { compareIds } from '../../domain/planner/compare-ids';
import { v2p } from '../v2p/v2p-workflow';
import type { FailbackInput } from './failback-input';
import { REPROTECT_PATCH, reprotectHome } from './reprotect-home';
import { decideFailback, type FailbackMove } from '../../domain/failback/failback-move';
import type {
  FailbackHostOutcome,
  FailbackMachine,
  FailbackPersonaOutcome,
  FailbackReport,
} from './failback-report';

/** A failed child's steps (from the report its failure carries) and its original error. */
function childFailure(e: unknown): {
  steps: RunbookReport['steps'];
  error: { type: string; message: string };
} {
  const report = failureReport(e);
  return { steps: report?.steps ?? [], error: report?.error ?? errorOf(e) };
}

type MoveKind = Exclude<FailbackMove['kind'], 'already-home' | 'refuse'>;

/**
 * One failback: which personas to bring home (a failover run's restored ones, or the named
 * ones), then each one's planned move as a child run, `parallel` at once, one persona's failure
 * never stopping the others; then the hypervisor hosts that are no longer needed are released,
 * and the machines the personas left are reported as the ledger has them. The report grows as
 * the run goes and is served through the journal's `progress` query.
 */
export class FailbackRun {
  private readonly id = workflowInfo().workflowId;
  private readonly started = Date.now();
  private readonly startedAt = new Date().toISOString();
  private readonly personas = new Map<string, FailbackPersonaOutcome | undefined>();
  private readonly hosts: FailbackHostOutcome[] = [];
  private machines: FailbackMachine[] = [];
  private evicted: FailbackReport['evicted'] = [];

  constructor(
    private readonly input: FailbackInput,
    private readonly journal: RunJournal,
  ) {}

  async execute(): Promise<FailbackReport> {
    const { personas, hosts } = await this.whatToBringBack();
    for (const p of personas) this.personas.set(p, undefined);
    this.publish();

    const homes =
      personas.length === 0
        ? []
        : await this.journal.step('homes', `the homes of ${personas.join(', ')}`, () =>
            plan.personaHomes.executeWithOptions({ summary: 'persona homes' }, [{ personas }]),
          );
    await mapLimit(homes, this.input.parallel, (h) =>
      this.bringHome(h.persona, h.home, h.unknown === true),
    );

    const emptied = [...this.personas.values()].flatMap((o) =>
      o?.outcome === 'returned' && o.from?.startsWith('vm@') ? [o.from.slice(3)] : [],
    );
    await mapLimit(
      [...new Set([...hosts, ...emptied])].sort(compareIds),
      this.input.parallel,
      (host) => this.freeHost(host),
    );
    await this.noteLeftMachines();

    const report = this.report();
    this.journal.finish('completed');
    this.journal.attachReport(report);
    return report;
  }

  /**
   * The personas (and, in run mode, the hosts the failover brought up), from the input or the
   * failover's report.
   */
  private async whatToBringBack(): Promise<{ personas: string[]; hosts: string[] }> {
    if (this.input.personas !== undefined)
      return { personas: [...new Set(this.input.personas)], hosts: [] };
    const run = this.input.run!;
    try {
      const source = await this.journal.step(
        'read-run',
        `read the report of ${run}`,
        () => plan.readFailoverRun.executeWithOptions({ summary: `report of ${run}` }, [{ run }]),
        (r) =>
          `${r.outcome}: ${r.restored.length} restored, ${r.hosts.length} host(s) brought up, ${r.evictions.length} eviction(s)`,
      );
      this.evicted = source.evictions.map((e) => ({ persona: e.occupant, machine: e.machine }));
      return {
        personas: [...new Set(source.restored.map((r) => r.persona))],
        hosts: [...source.hosts],
      };
    } catch (e) {
      this.journal.finish('failed');
      if (isCancellation(e)) throw e;
      const { type, message } = errorOf(e);
      throw ApplicationFailure.create({
        type,
        nonRetryable: true,
        message: `failback of ${run} refused: ${message}`,
      });
    }
  }

  private async bringHome(
    persona: string,
    home: HomePlacement | null,
    unknown: boolean,
  ): Promise<void> {
    if (unknown)
      return this.settle({
        persona,
        outcome: 'failed',
        steps: [],
        error: { type: 'NotFoundError', message: `unknown persona "${persona}"` },
      });
    if (home === null)
      return this.settle({
        persona,
        outcome: 'failed',
        steps: [],
        error: {
          type: 'ValidationError',
          message: `${persona} has no home in the topology: nowhere to bring it back to`,
        },
      });
    let base: Pick<FailbackPersonaOutcome, 'persona' | 'from' | 'to' | 'run'> = { persona };
    try {
      const where = await this.journal.step('locate', `where does ${persona} run now`, () =>
        plan.locatePersona.executeWithOptions({ summary: `locate ${persona}` }, [{ persona }]),
      );
      const { from, to, move } = decideFailback(persona, home, where);
      base = { persona, from, to };
      if (move.kind === 'already-home') {
        this.journal.skip('move', `bring ${persona} home to ${to}`, 'already runs at home');
        return this.settle({ ...base, outcome: 'already-home', steps: [] });
      }
      if (move.kind === 'refuse')
        throw ApplicationFailure.create({
          type: 'ValidationError',
          nonRetryable: true,
          message: move.reason,
        });
      const homeSite = move.kind !== 'p2v' ? await this.wakeHome(move.machine) : undefined;
      base = { ...base, run: `${this.id}/${persona}` };
      const away = where.placements.find((p) => p.placement.kind === 'machine')?.site;
      if (
        move.kind === 'repurpose' &&
        away !== undefined &&
        away !== homeSite &&
        patched(REPROTECT_PATCH)
      )
        await this.reprotect(persona, away, homeSite!, base.run!);
      const report = await this.journal.step(
        'move',
        `${move.kind} ${persona} from ${from} home to ${to} (${base.run})`,
        () => this.moveHome(move, persona, base.run!),
        (r) => `${r.outcome}, on ${r.endedOn}`,
      );
      this.settle({ ...base, outcome: 'returned', steps: report.steps });
    } catch (e) {
      if (isCancellation(e)) throw e;
      this.settle({ ...base, outcome: 'failed', ...childFailure(e) });
    }
  }

  /**
   * Child options: the id is derived from the failback's, so a replay or a re-run never starts the
   * same move twice.
   */
  private childOptions(
    runbook: string,
    workflowId: string,
    persona: string | undefined,
    machine?: string,
  ) {
    const subject = persona ?? `host ${machine ?? ''}`;
    return {
      workflowId,
      // A re-run of this failback (same id) may try a failed move again, never a completed one.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
      // A failback terminated mid-move asks the move to cancel, which undoes it, rather than
      // cutting it off half-done.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: RUNBOOK_KEY, value: runbook },
        persona !== undefined
          ? { key: PERSONA_KEY, value: [persona] }
          : { key: MACHINE_KEY, value: [machine ?? ''] },
      ],
      staticSummary: `${runbook} ${subject}, for failback ${this.id}`.slice(0, 200),
    };
  }

  private moveHome(
    move: Extract<FailbackMove, { kind: MoveKind }>,
    persona: string,
    run: string,
  ): Promise<RunbookReport> {
    const { graceSeconds, healthTimeoutSeconds, powerTimeoutSeconds } = this.input;
    switch (move.kind) {
      case 'repurpose':
        return executeChild(repurpose, {
          ...this.childOptions('repurpose', run, persona),
          args: [
            {
              persona,
              machine: move.machine,
              evictGraceSeconds: graceSeconds,
              healthTimeoutSeconds,
              powerTimeoutSeconds,
            },
          ],
        });
      case 'v2p':
        return executeChild(v2p, {
          ...this.childOptions('v2p', run, persona),
          args: [
            {
              persona,
              machine: move.machine,
              graceSeconds,
              healthTimeoutSeconds,
              powerTimeoutSeconds,
            },
          ],
        });
      case 'p2v':
        return executeChild(p2v, {
          ...this.childOptions('p2v', run, persona),
          args: [
            {
              persona,
              host: move.host,
              mode: 'san',
              graceSeconds,
              healthTimeoutSeconds,
              powerTimeoutSeconds,
            },
          ],
        });
    }
  }

  /**
   * A persona restored at another site from replicas goes home only once its home LUNs hold the
   * data it wrote away (see reprotectHome): stopped away by a `release` child `<move>/stop-away`.
   */
  private async reprotect(persona: string, away: string, home: string, run: string) {
    const { graceSeconds, powerTimeoutSeconds, healthTimeoutSeconds } = this.input;
    await reprotectHome(this.journal, {
      persona,
      away,
      home,
      syncTimeoutSeconds: healthTimeoutSeconds,
      stopAway: () =>
        executeChild(release, {
          ...this.childOptions('release', `${run}/stop-away`, persona),
          args: [{ persona, graceSeconds, powerTimeoutSeconds }],
        }),
    });
  }

  /**
   * A home machine the failover found dark stays out of every run's reach until the ledger says
   * otherwise: ask its BMC, and when it answers (the site is repaired) record its power state.
   * Returns the machine's site.
   */
  private async wakeHome(machine: string): Promise<string> {
    const use = await plan.machineUse.executeWithOptions(
      { summary: `ledger record of ${machine}` },
      [{ machine }],
    );
    if (!(use.power === 'unknown' && use.healthy === false)) return use.site;
    await this.journal.step(
      'wake-home',
      `${machine} was last seen dark: does its BMC answer now`,
      async () => {
        const power = await probePowerState
          .executeWithOptions({ summary: `probe ${machine}` }, [{ machine }])
          .catch((e: unknown) => {
            throw ApplicationFailure.create({
              type: 'HomeStillDarkError',
              nonRetryable: true,
              message: `home ${machine} is still dark: ${errorOf(e).message}`,
            });
          });
        await ledger.ledgerSetMachine.executeWithOptions(
          { summary: `record ${machine} ${power}` },
          [use.site, { holder: this.id, machine, power }],
        );
        return power;
      },
      (p) => `answers; power ${p}`,
    );
    return use.site;
  }

  private async freeHost(machine: string): Promise<void> {
    let cluster: string | undefined;
    let run: string | undefined;
    // Hosts are released by machine since clusters; runs from before release their cluster persona.
    const byMachine = patched(CLUSTER_HOSTS);
    try {
      const use = await this.journal.step(
        'host',
        `is ${machine} still needed as a hypervisor host`,
        () =>
          plan.machineUse.executeWithOptions({ summary: `ledger record of ${machine}` }, [
            { machine },
          ]),
        (u) =>
          `${u.role}, ${u.power}; VMs: ${u.vms.join(', ') || 'none'}; home of ${u.homeOf.join(', ') || 'nobody'}`,
      );
      cluster = byMachine
        ? use.cluster
        : use.role === 'hypervisor' && use.runs.length === 1
          ? use.runs[0]
          : undefined;
      if (use.role !== 'hypervisor')
        return this.settleHost({
          machine,
          outcome: 'already-free',
          reason: `the ledger records it ${use.role}, power ${use.power}`,
        });
      const keep =
        use.vms.length > 0
          ? `VMs still run on it: ${use.vms.join(', ')}`
          : use.homeOf.length > 0
            ? `it is the home of ${use.homeOf.join(', ')}`
            : byMachine && use.runs.length > 0
              ? `the ledger places ${use.runs.join(', ')} on it; release it by hand`
              : !byMachine && cluster === undefined
                ? `the ledger places ${use.runs.length === 0 ? 'no cluster persona' : `several personas (${use.runs.join(', ')})`} on it; release it by hand`
                : undefined;
      if (keep !== undefined)
        return this.settleHost({
          machine,
          ...(cluster && { cluster }),
          outcome: 'kept',
          reason: keep,
        });
      run = `${this.id}/release/${machine}`;
      const args = byMachine ? { machine } : { persona: cluster! };
      await this.journal.step(
        'release-host',
        `release ${byMachine ? `host ${machine}` : `${cluster!} and return ${machine} to spare`} (${run})`,
        () =>
          executeChild(release, {
            ...this.childOptions('release', run!, byMachine ? undefined : cluster, machine),
            args: [
              {
                ...args,
                graceSeconds: this.input.graceSeconds,
                powerTimeoutSeconds: this.input.powerTimeoutSeconds,
              },
            ],
          }),
      );
      this.settleHost({ machine, ...(cluster && { cluster }), outcome: 'released', run });
    } catch (e) {
      if (isCancellation(e)) throw e;
      this.settleHost({
        machine,
        ...(cluster && { cluster }),
        ...(run && { run }),
        outcome: 'failed',
        error: childFailure(e).error,
      });
    }
  }

  /**
   * The machines returned personas left, as the ledger has them now (each move records its source
   * off and idle).
   */
  private async noteLeftMachines(): Promise<void> {
    const left = [...this.personas.values()].flatMap((o) =>
      o?.outcome === 'returned' &&
      o.from !== undefined &&
      o.from !== 'none' &&
      !o.from.startsWith('vm@')
        ? o.from.split('+').map((machine) => ({ machine, persona: o.persona }))
        : [],
    );
    if (left.length === 0) return;
    this.machines = await this.journal.step(
      'left-machines',
      `how the ledger records ${left.map((l) => l.machine).join(', ')}`,
      async () => {
        const out: FailbackMachine[] = [];
        for (const l of left) {
          const use = await plan.machineUse.executeWithOptions(
            { summary: `ledger record of ${l.machine}` },
            [{ machine: l.machine }],
          );
          out.push({ machine: l.machine, persona: l.persona, power: use.power, role: use.role });
        }
        return out;
      },
      (ms) => ms.map((m) => `${m.machine} ${m.power}, ${m.role}`).join('; '),
    );
  }

  private settle(outcome: FailbackPersonaOutcome): void {
    this.personas.set(outcome.persona, outcome);
    this.publish();
  }

  private settleHost(outcome: FailbackHostOutcome): void {
    this.hosts.push(outcome);
    this.publish();
  }

  private publish(): void {
    this.journal.attachReport(this.report('running'));
  }

  private report(state?: 'running'): FailbackReport {
    const personas = [...this.personas.values()].filter(
      (o): o is FailbackPersonaOutcome => o !== undefined,
    );
    const failed =
      personas.some((p) => p.outcome === 'failed') ||
      this.hosts.some((h) => h.outcome === 'failed');
    return {
      runbook: 'failback',
      ...(this.input.run !== undefined && { run: this.input.run }),
      outcome: state ?? (failed ? 'partial' : 'completed'),
      startedAt: this.startedAt,
      ...(state === undefined && { endedAt: new Date().toISOString() }),
      personas,
      hosts: [...this.hosts].sort((a, b) => compareIds(a.machine, b.machine)),
      machines: this.machines,
      evicted: this.evicted,
      durationMs: Date.now() - this.started,
    };
  }
}
