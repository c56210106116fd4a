import { patched } from '@temporalio/workflow';
import type { PowerActionResult, PowerState } from '../../drivers/power/power-driver';
import { power as bmc, waitForPowerState } from '../activity-proxies/power';
import { parseWorkflowInput } from '../parse-input';
import { RunJournal, type StepRecord } from '../run-journal';
import { powerInputSchema, type PowerInput } from './power-input';
import { PowerLedger } from './power-ledger';

export interface PowerReport {
  readonly machine: string;
  readonly action: PowerInput['action'];
  readonly stateBefore: PowerState;
  readonly stateAfter: PowerState;
  /** Nothing had to be pressed: the machine was already in the wanted state. */
  readonly alreadyInState: boolean;
  /**
   * soft-off only: the OS did not shut down within the grace time, so the machine was forced off.
   */
  readonly fellBackToHardOff: boolean;
  readonly steps: readonly StepRecord[];
}

/**
 * `power` runbook: optionally set the boot device, press the button, then poll (with
 * heartbeats) until the BMC reports the wanted state. soft-off asks the OS to shut down and
 * forces the machine off when it has not after the grace time. Pressing a button is always
 * preceded by a state read, so a retried run never presses twice what already took effect.
 * Runs started since patch `power-ledger` also lease the machine in its site's ledger, refuse a
 * machine running a persona unless `force`, and record the power state they reached.
 */
export async function power(rawInput: unknown): Promise<PowerReport> {
  const input = parseWorkflowInput('power', powerInputSchema, rawInput);
  const journal = new RunJournal('power');
  const { machine } = input;
  const waitFor = (want: PowerState, timeoutSeconds: number) =>
    waitForPowerState(timeoutSeconds).executeWithOptions(
      { summary: `wait until ${machine} is ${want} (up to ${timeoutSeconds}s)` },
      [{ machine, want, timeoutSeconds }],
    );
  const press = (action: PowerActionResult['action']) =>
    bmc.requestPower.executeWithOptions({ summary: `power ${action} ${machine}` }, [
      { machine, action },
    ]);

  // Runs recorded before the patch took no lease and wrote nothing: they replay as they ran.
  const book = patched('power-ledger') ? new PowerLedger(journal, input) : undefined;
  try {
    await book?.lease();
    if (input.bootDevice) {
      const boot = input.bootDevice;
      await journal.step(
        'set-boot-device',
        `boot ${machine} from ${boot.device}${boot.persistent ? ' (persistent)' : ' (next boot)'}`,
        () =>
          bmc.setBootDevice.executeWithOptions(
            { summary: `boot device ${boot.device} on ${machine}` },
            [{ machine, ...boot }],
          ),
        (s) =>
          `BMC reports ${s.device}${s.persistent ? ' persistent' : ''}${s.uefi ? ' UEFI' : ''}`,
      );
    }
    const stateBefore = await journal.step(
      'read-power',
      `read power state of ${machine}`,
      () =>
        bmc.readPowerState.executeWithOptions({ summary: `read power state of ${machine}` }, [
          { machine },
        ]),
      (s) => s,
    );

    const want: PowerState = input.action === 'on' || input.action === 'cycle' ? 'on' : 'off';
    let alreadyInState = false;
    let fellBackToHardOff = false;

    if (input.action === 'soft-off') {
      if (stateBefore === 'off') {
        alreadyInState = true;
        journal.skip('soft-off', `ask the OS of ${machine} to shut down`, 'already off');
      } else {
        await journal.step('soft-off', `ask the OS of ${machine} to shut down`, () =>
          press('soft'),
        );
        const graceful = await journal.step(
          'wait-off',
          `wait up to ${input.softOffGraceSeconds}s for a clean shutdown`,
          () => waitFor('off', input.softOffGraceSeconds),
          (r) => (r.reached ? `off after ${r.polls} poll(s)` : `still ${r.state}`),
        );
        if (!graceful.reached) {
          fellBackToHardOff = true;
          await journal.step('hard-off', `force ${machine} off after the grace time`, () =>
            press('off'),
          );
        }
      }
    } else {
      const result = await journal.step(
        `power-${input.action}`,
        `power ${input.action} ${machine}`,
        () => press(input.action === 'cycle' ? 'cycle' : input.action === 'on' ? 'on' : 'off'),
        (r) => (r.already ? `already ${r.stateAfter}` : 'requested'),
      );
      alreadyInState = result.already;
    }

    const final = await journal.step(
      'wait-state',
      `wait until ${machine} is ${want}`,
      () => waitFor(want, input.powerTimeoutSeconds),
      (r) => `${r.state} after ${r.polls} poll(s)`,
    );
    if (!final.reached) {
      throw new Error(
        `${machine} did not reach power ${want} within ${input.powerTimeoutSeconds}s (BMC reports ${final.state})`,
      );
    }
    await book?.record(final.state);
    journal.finish('completed');
    return {
      machine,
      action: input.action,
      stateBefore,
      stateAfter: final.state,
      alreadyInState,
      fellBackToHardOff,
      steps: journal.steps,
    };
  } catch (e) {
    journal.finish('failed');
    throw e;
  } finally {
    await book?.release();
  }
}
