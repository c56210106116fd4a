import { ApplicationFailure, patched } from '@temporalio/workflow';
import { fence } from '../activity-proxies/fence';
import { ledger } from '../activity-proxies/ledger';
import { storage } from '../activity-proxies/storage';
import type { RunJournal } from '../run-journal';
import { DARK_ARRAY_FENCE_PATCH } from './return-to-spare';

/**
 * Runs started before one fence served every runbook took a dead machine's LUNs with an undo (a
 * failed restore masked them back to it) and recorded it later, in the run's own site ledger and
 * always power unknown; a failover's host fence recorded nothing.
 */
export const ONE_FENCE_PATCH = 'one-fence-for-a-dead-machine';

/**
 * How long a fenced machine gets to reach off after a hard power-off (fenceOp allows 60 s per
 * call).
 */
const FENCE_OFF_SECONDS = 30;

const why = (e: unknown): string =>
  (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;

/** What the BMC said: `off` only when it confirmed the machine off. */
interface PowerFence {
  readonly off: boolean;
  readonly detail: string;
}

async function fencePower(journal: RunJournal, source: string): Promise<PowerFence> {
  return journal.step(
    'fence-power',
    `power ${source} off through its BMC if it answers`,
    async () => {
      try {
        const state = await fence.readPowerState.executeWithOptions(
          { summary: `is ${source}'s BMC there` },
          [{ machine: source }],
        );
        if (state === 'off') return { off: true, detail: 'already off' };
        await fence.requestPower.executeWithOptions({ summary: `power ${source} off` }, [
          { machine: source, action: 'off' },
        ]);
        // The request returns before the machine is off; the persona may start elsewhere only once
        // it is.
        const off = await fence.waitForPowerState.executeWithOptions({ summary: `${source} off` }, [
          { machine: source, want: 'off', timeoutSeconds: FENCE_OFF_SECONDS },
        ]);
        return off.reached
          ? { off: true, detail: 'powered off' }
          : {
              off: false,
              detail: `power-off requested; the BMC still reports ${off.state} after ${FENCE_OFF_SECONDS} s`,
            };
      } catch (e) {
        return { off: false, detail: `BMC does not answer: ${why(e)}` };
      }
    },
    (p) => p.detail,
  );
}

async function fencePorts(journal: RunJournal, source: string): Promise<void> {
  await journal.step(
    'fence-ports',
    `shut ${source}'s switch ports`,
    async () => {
      try {
        const refs = await fence.cabledPorts.executeWithOptions(
          { summary: `${source}'s cabled ports` },
          [{ machine: source }],
        );
        const now = await fence.readPorts.executeWithOptions(
          { summary: `read ${source}'s ports` },
          [{ ports: refs }],
        );
        await fence.configurePorts.executeWithOptions({ summary: `shut ${source}'s ports` }, [
          { ports: now.map((p) => ({ ...p, shutdown: true })) },
        ]);
        return `${refs.length} port(s) shut`;
      } catch (e) {
        return `switch did not take it: ${why(e)}`;
      }
    },
    (found) => found,
  );
}

/**
 * The first two layers of fencing (`fence: full`): power off through the BMC if it answers, and
 * every cabled switch port shut. Each is tried briefly and never fails the run: a burned machine's
 * BMC and switch do not answer, and that is the expected case. Runs from before ONE_FENCE_PATCH
 * call it alone; fenceDeadMachine calls it first.
 */
export async function fencePowerAndPorts(journal: RunJournal, source: string): Promise<PowerFence> {
  const power = await fencePower(journal, source);
  await fencePorts(journal, source);
  return power;
}

/** The LUNs a fenced machine must no longer see, through its initiator (none: it sees none). */
export interface FencedLuns {
  readonly initiator: string | undefined;
  readonly luns: ReadonlyArray<{ readonly array: string; readonly lun: string }>;
}

export interface DeadMachine {
  readonly machine: string;
  /** The machine's own site, whose ledger records it (not the site its persona moves to). */
  readonly site: string;
  /** The run's workflow id. */
  readonly holder: string;
  /** `full` (the guard): BMC power-off and ports shut first; `luns`: the arrays only. */
  readonly full: boolean;
  /** Asked after power and ports (a caller may need an activity to know them). */
  readonly luns: () => Promise<FencedLuns> | FencedLuns;
  /** The unmask step's name in the run's steps. */
  readonly step?: string;
  /** false only when replaying a failover's host fence from before the record step. */
  readonly record?: boolean;
  /**
   * The arrays the persona's new placement uses. The fence must hold on those; on any other
   * array (a restore at another site from replicas, the old site's array dark too) nothing of the
   * new copy reads or writes the old LUNs, so an array that does not answer is noted as left to
   * do by hand (the failback's reprotect does it) and the restore goes on.
   */
  readonly targetArrays?: readonly string[];
}

export interface FenceOutcome {
  /** `off`: the BMC confirmed it; `unconfirmed`: it did not answer, or was not asked. */
  readonly power: 'off' | 'unconfirmed';
  readonly lunsUnmasked: number;
}

/**
 * Fences a machine judged lost before its persona(s) start anywhere else, so two copies never
 * write one LUN: with `full`, power off through its BMC if it answers and shut its ports (each may
 * fail: the run goes on); then every LUN taken from its initiator on the arrays, the layer that
 * must hold: if an array refuses, this throws a FenceError and the caller restores nothing. Last,
 * the machine's own site ledger records it unhealthy, power off when the BMC confirmed it and
 * unknown otherwise. Nothing of it is undone: a failed restore leaves the machine fenced until
 * someone looks at it (masking LUNs back to a machine that may wake up would reopen the door the
 * fence closed).
 */
export async function fenceDeadMachine(journal: RunJournal, m: DeadMachine): Promise<FenceOutcome> {
  const power = m.full ? await fencePowerAndPorts(journal, m.machine) : undefined;
  const { initiator, luns } = await m.luns();
  const arrays = [...new Set(luns.map((l) => l.array))].sort();
  const elsewhere = (array: string): boolean =>
    m.targetArrays !== undefined && !m.targetArrays.includes(array);
  const tolerant =
    initiator !== undefined && arrays.some(elsewhere) && patched(DARK_ARRAY_FENCE_PATCH);
  const byHand: Array<{ array: string; error: string }> = [];
  const unmasked = await journal.step(
    m.step ?? 'fence-source',
    `take ${m.machine}'s LUNs from it on ${arrays.join(', ') || 'no array'}`,
    async () => {
      if (initiator === undefined) return 0;
      let n = 0;
      for (const array of arrays) {
        const masks = luns.filter((l) => l.array === array).map((l) => ({ lun: l.lun, initiator }));
        try {
          await storage.unmaskLuns.executeWithOptions(
            { summary: `fence ${m.machine} on ${array}` },
            [{ array, masks }],
          );
          n += masks.length;
        } catch (e) {
          if (tolerant && elsewhere(array)) {
            byHand.push({ array, error: why(e) });
            continue;
          }
          throw ApplicationFailure.create({
            type: 'FenceError',
            nonRetryable: true,
            message: `${m.machine} could not be fenced (its LUNs stay masked to ${initiator}), so nothing is restored from them: ${why(e)}`,
          });
        }
      }
      return n;
    },
    (n) => `${n} LUN(s) unmasked from ${initiator ?? 'no initiator'}`,
  );
  for (const { array, error } of byHand)
    journal.skip(
      'fence-source-by-hand',
      `unmask ${luns
        .filter((l) => l.array === array)
        .map((l) => l.lun)
        .join(', ')} from ${initiator} on ${array} when it answers again (the failback does)`,
      error,
    );
  const outcome: FenceOutcome = {
    power: power?.off ? 'off' : 'unconfirmed',
    lunsUnmasked: unmasked,
  };
  if (m.record === false) return outcome;
  const recorded = outcome.power === 'off' ? 'off' : 'unknown';
  await journal.step(
    'fence-record',
    `record ${m.machine} fenced in ${m.site}'s ledger`,
    () =>
      ledger.ledgerSetMachine.executeWithOptions({ summary: `record ${m.machine} fenced` }, [
        m.site,
        { holder: m.holder, machine: m.machine, power: recorded, healthy: false },
      ]),
    () => `power ${recorded}${recorded === 'unknown' ? ' (unconfirmed)' : ''}, unhealthy`,
  );
  return outcome;
}
