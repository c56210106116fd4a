import { hypervisor, hypervisorUndo, shutdownVm } from '../activity-proxies/hypervisor';
import type { RunJournal } from '../run-journal';
import type { Saga } from '../saga/saga';

/**
 * Stops a persona's VM on `host` (ACPI, destroyed after the grace time) and removes its
 * definition. The undos start it again (only if it ran) and define it again from the persona's
 * topology, which is what every VM of rackshift is defined from. A VM that is not there is
 * nothing to stop: the step is recorded as skipped.
 */
export async function stopAndRemoveVm(
  saga: Saga,
  journal: RunJournal,
  host: string,
  persona: string,
  graceSeconds: number,
): Promise<void> {
  const before = await hypervisor.vmInfo.executeWithOptions(
    { summary: `state of ${persona} on ${host}` },
    [{ host, persona }],
  );
  if (before === null) {
    journal.skip('stop-vm', `stop ${persona} on ${host}`, `${host} has no VM ${persona}`);
    return;
  }
  if (before.state !== 'shut-off') {
    await saga.step(
      'stop-vm',
      `shut ${persona} down on ${host} (destroyed after ${graceSeconds}s)`,
      () =>
        shutdownVm(graceSeconds).executeWithOptions(
          { summary: `shut down ${persona} on ${host}` },
          [{ host, persona, graceSeconds }],
        ),
      {
        undo: {
          summary: `start ${persona} on ${host} again`,
          run: () => hypervisorUndo.startVm({ host, persona }),
        },
        describe: (r) =>
          r.forced
            ? 'destroyed after the grace time'
            : r.already
              ? 'was not running'
              : 'shut down cleanly',
      },
    );
  }
  await saga.step(
    'remove-vm',
    `remove ${persona}'s definition from ${host}`,
    () =>
      hypervisor.removeVm.executeWithOptions({ summary: `remove ${persona} from ${host}` }, [
        { host, persona },
      ]),
    {
      undo: {
        summary: `define ${persona} on ${host} again`,
        run: () => hypervisorUndo.defineVm({ host, persona }),
      },
    },
  );
}
