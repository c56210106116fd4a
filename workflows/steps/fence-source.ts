import { fence } from '../activity-proxies/fence';
import type { RunJournal } from '../run-journal';

/**
 * How long a fenced machine gets to reach off after a hard power-off (fenceOp allows 60 s per
 * call).
 */
const FENCE_OFF_SECONDS = 30;

const why = (e: unknown): string =>
  (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;

/**
 * The first two layers of fencing a machine judged lost (`fence: full`), before its LUNs are
 * unmasked (the layer that must hold, done by the caller's `fence-source` step): power it off
 * through its BMC if the BMC answers, and shut every switch port it is cabled to, so a machine that
 * was only
 * unreachable cannot keep serving on the network. Each layer is tried briefly and never fails
 * the run: a burned machine's BMC and switch do not answer, and that is the expected case.
 * Neither is undone by a compensation: a fenced machine stays fenced until someone looks at it.
 */
export async function fencePowerAndPorts(journal: RunJournal, source: string): Promise<void> {
  await journal.step(
    'fence-power',
    `power ${source} off through its BMC if it answers`,
    async () => {
      try {
        const state = await fence.readPowerState.executeWithOptions(
          { summary: `is ${source}'s BMC there` },
          [{ machine: source }],
        );
        if (state === 'off') return 'already off';
        await fence.requestPower.executeWithOptions({ summary: `power ${source} off` }, [
          { machine: source, action: 'off' },
        ]);
        // The request returns before the machine is off; the persona may start elsewhere only once
        // it is.
        const off = await fence.waitForPowerState.executeWithOptions({ summary: `${source} off` }, [
          { machine: source, want: 'off', timeoutSeconds: FENCE_OFF_SECONDS },
        ]);
        return off.reached
          ? 'powered off'
          : `power-off requested; the BMC still reports ${off.state} after ${FENCE_OFF_SECONDS} s`;
      } catch (e) {
        return `BMC does not answer: ${why(e)}`;
      }
    },
    (found) => found,
  );
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
