import { ApplicationFailure, CancellationScope, workflowInfo } from '@temporalio/workflow';
import { ledger, ledgerUndo } from '../activity-proxies/ledger';
import { plan } from '../activity-proxies/plan';
import type { PowerState } from '../../drivers/power/power-driver';
import type { RunJournal } from '../run-journal';
import type { PowerInput } from './power-input';
import { machineResource } from '../../inventory/ledger-records';

const refuse = (type: string, message: string): ApplicationFailure =>
  ApplicationFailure.create({ type, nonRetryable: true, message });

/**
 * What the `power` runbook does with its site's ledger (since patch `power-ledger`): it leases
 * the machine for the run, refuses to switch off or cycle a machine the ledger shows running a
 * persona or VMs unless `force`, records the power state it reached, and releases the lease.
 */
export class PowerLedger {
  private site: string | undefined;
  private readonly holder = workflowInfo().workflowId;

  constructor(
    private readonly journal: RunJournal,
    private readonly input: PowerInput,
  ) {}

  /** Reads the machine's use, refuses a running persona's machine, then leases it. */
  async lease(): Promise<void> {
    const { machine, action, force } = this.input;
    const use = await this.journal.step(
      'check-ledger',
      `what the ledger says runs on ${machine}`,
      () => plan.machineUse.executeWithOptions({ summary: `use of ${machine}` }, [{ machine }]),
      (u) =>
        [...u.runs.map((p) => `runs ${p}`), ...u.vms.map((v) => `VM ${v}`)].join(', ') ||
        'nothing placed',
    );
    this.site = use.site;
    const running = [...use.runs, ...use.vms];
    if (action !== 'on' && running.length > 0 && !force) {
      throw refuse(
        'MachineInUseError',
        `${machine} runs ${running.join(', ')} (ledger); power ${action} refused. Move or release it first, or start the run with "force": true (operator role)`,
      );
    }
    const granted = await this.journal.step('lease', `lease machine:${machine}`, async () => {
      try {
        return await ledger.ledgerAcquire.executeWithOptions({ summary: `lease ${machine}` }, [
          use.site,
          {
            holder: this.holder,
            resources: [machineResource(machine)],
            purpose: `power ${action}`,
          },
        ]);
      } catch (e) {
        if ((e as { cause?: { type?: string } }).cause?.type === 'LeaseConflictError')
          return undefined;
        throw e;
      }
    });
    if (granted === undefined)
      throw refuse(
        'LeaseConflictError',
        `${machine} is leased by another run; power ${action} refused`,
      );
  }

  /** The power state the BMC reported at the end, in the ledger. */
  async record(state: PowerState): Promise<void> {
    const { machine } = this.input;
    await this.journal.step('record-power', `record ${machine} ${state} in the ledger`, () =>
      ledger.ledgerSetMachine.executeWithOptions({ summary: `record ${machine} ${state}` }, [
        this.site!,
        { holder: this.holder, machine, power: state },
      ]),
    );
  }

  /** Gives the lease back, even when the run was cancelled. */
  async release(): Promise<void> {
    if (this.site === undefined) return;
    const site = this.site;
    await CancellationScope.nonCancellable(() =>
      ledgerUndo.ledgerRelease.executeWithOptions({ summary: `release leases of ${this.holder}` }, [
        site,
        { holder: this.holder },
      ]),
    );
  }
}
