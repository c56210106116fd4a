import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { guard } from '../activity-proxies/guard';
import { parseWorkflowInput } from '../parse-input';
import { errorOf } from '../runbook-report';
import { runAction, sendNotification } from './guard-actions';
import { GuardBook, type GuardCarry } from './guard-book';
import {
  actionsFor,
  decideRound,
  policyFor,
  type GuardEvent,
  type RoundObservation,
} from '../../domain/guard/guard-decision';
import {
  guardStatusQuery,
  guardToggleInputSchema,
  pauseUpdate,
  resumeUpdate,
} from './guard-messages';
import { siteGuardInputSchema } from './site-guard-input';

/**
 * `site-guard`: watch one site for ever. Each round probes every machine's BMC and every running
 * persona's health check (bounded parallelism), the site's switches and other sites' switches;
 * guard-decision judges the round (lost only after N rounds of both signals failing; a round
 * whose view is doubtful is not counted; machines lost within a window form one event), and
 * each closed event becomes at most one restore per policy: `repurpose` for a lone machine,
 * one `site-failover` for a rack or site, both fencing the old machine fully first. Restores
 * run as abandoned children so the guard keeps watching meanwhile; notifications go to a signed
 * webhook. After `roundsPerRun` rounds, with no restore in flight and every handler finished,
 * it continues as new with its memory, so its history stays small.
 */
export async function siteGuard(rawInput: unknown): Promise<void> {
  const input = parseWorkflowInput('site-guard', siteGuardInputSchema, rawInput);
  const guardId = workflowInfo().workflowId;
  const book = new GuardBook(input.site, input.carry as GuardCarry | undefined);
  let paused = input.paused;
  let wake = false;
  /** Notifications and restores under way: the run continues as new only once none is. */
  const background = new Set<Promise<void>>();
  const spawn = (work: Promise<void>): void => {
    background.add(work);
    void work.finally(() => background.delete(work));
  };
  if (paused && book.status.paused === undefined)
    book.pause(new Date().toISOString(), undefined, 'started paused');

  const notify = async (kind: string, body: Record<string, unknown>): Promise<void> => {
    const r = await sendNotification(input, {
      kind,
      guard: guardId,
      site: input.site,
      at: new Date().toISOString(),
      ...body,
    });
    if (input.webhook !== undefined) book.noteNotification(r.ok, r.error);
  };

  setHandler(guardStatusQuery, () => book.status);
  setHandler(
    pauseUpdate,
    async (who) => {
      paused = true;
      book.pause(new Date().toISOString(), who.by, who.reason);
      await notify('paused', { ...who });
      return book.status;
    },
    {
      validator: (who) => {
        guardToggleInputSchema.parse(who);
        if (paused) throw new Error(`the guard of ${input.site} is already paused`);
      },
    },
  );
  setHandler(
    resumeUpdate,
    async (who) => {
      paused = false;
      wake = true;
      book.resume();
      await notify('resumed', { ...who });
      return book.status;
    },
    {
      validator: (who) => {
        guardToggleInputSchema.parse(who);
        if (!paused) throw new Error(`the guard of ${input.site} is not paused`);
      },
    },
  );

  const act = async (event: GuardEvent): Promise<void> => {
    const eventId = book.openEvent(event, new Date().toISOString());
    const policyOf = (l: { persona: string; priority: number }) =>
      policyFor(l.persona, l.priority, input.policy);
    book.inFlight += 1;
    try {
      await Promise.all(
        actionsFor(event, policyOf).map((a) =>
          runAction(a, {
            input,
            guardId,
            eventId,
            notify,
            update: (r) => book.updateAction(eventId, r),
          }),
        ),
      );
    } finally {
      book.inFlight -= 1;
      book.refresh();
    }
  };

  const probeRound = async (): Promise<void> => {
    let round: RoundObservation | undefined;
    let failure: string | undefined;
    try {
      round = await guard.probeGuardSite.executeWithOptions({ summary: `probe ${input.site}` }, [
        { site: input.site, parallelism: input.probeParallelism },
      ]);
    } catch (e) {
      failure = `the probe round itself failed (${errorOf(e).message}): nothing is judged from it`;
    }
    // Paused while the round was out: it is neither judged nor acted on.
    if (paused) return;
    const at = new Date().toISOString();
    if (round === undefined) {
      book.recordRound(at, undefined, book.memory, failure);
      return;
    }
    const decision = decideRound(book.memory, round, Date.now(), {
      failuresToLose: input.failuresToLose,
      eventWindowMs: input.eventWindowSeconds * 1000,
    });
    book.recordRound(at, round, decision.memory, decision.doubt);
    for (const f of decision.findings) spawn(notify(f.kind, { ...f }));
    for (const event of decision.events) spawn(act(event));
  };

  for (let rounds = 0; rounds < input.roundsPerRun || background.size > 0; ) {
    if (paused) {
      await condition(() => !paused);
      continue;
    }
    await probeRound();
    rounds += 1;
    wake = false;
    await condition(() => wake, `${input.intervalSeconds}s`);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof siteGuard>({ ...input, paused, carry: book.carry() });
}
