import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { LedgerState } from '../../inventory/ledger-records';
import { hypervisor, waitForHypervisor } from '../activity-proxies/hypervisor';
import type { RunJournal } from '../run-journal';

/**
 * Releases started before readHostVms existed asked through waitForHypervisor (with no wait),
 * whose name said "wait" where the step only lists; they replay that way.
 */
export const READ_HOST_VMS_PATCH = 'release-reads-host-vms';

/** The failure type of a release refused because VMs still live on the host. */
export const HOST_HAS_VMS = 'HostHasVmsError';

/**
 * Refuses to tear down a hypervisor host that still carries VMs, naming each: those the
 * ledger places on it, and those its libvirt lists (defined there by a run that did not record
 * them, or by hand). A host whose libvirt does not answer has only the ledger's word.
 */
export async function refuseHostWithVms(
  journal: RunJournal,
  host: string,
  ledger: LedgerState,
): Promise<void> {
  const placed = Object.entries(ledger.placements)
    .filter(([, p]) => p.kind === 'vm' && p.host === host)
    .map(([persona]) => persona);
  const seen = await journal.step(
    'host-vms',
    `which VMs live on ${host}`,
    async () => {
      const summary = { summary: `list VMs on ${host}` };
      if (patched(READ_HOST_VMS_PATCH)) {
        const r = await hypervisor.readHostVms.executeWithOptions(summary, [{ host }]);
        return r.answered
          ? { ready: true, vms: r.vms }
          : { ready: false, vms: [], detail: r.detail };
      }
      const r = await waitForHypervisor(0).executeWithOptions(summary, [
        { host, timeoutSeconds: 0 },
      ]);
      return { ready: r.ready, vms: [...r.vms], detail: r.detail };
    },
    (r) =>
      r.ready
        ? `libvirt lists ${r.vms.join(', ') || 'none'}`
        : `libvirt does not answer (${r.detail}); the ledger places ${placed.join(', ') || 'none'}`,
  );
  const names = [...new Set([...placed, ...seen.vms])].sort();
  if (names.length === 0) return;
  const where = (vm: string): string =>
    [
      placed.includes(vm) ? 'placed there by the ledger' : '',
      seen.vms.includes(vm) ? 'defined on the host' : '',
    ]
      .filter(Boolean)
      .join(', ');
  throw ApplicationFailure.create({
    type: HOST_HAS_VMS,
    nonRetryable: true,
    message: `${host} is a hypervisor host with ${names.length} VM(s) on it: ${names.map((vm) => `${vm} (${where(vm)})`).join('; ')}; move or release them first`,
  });
}
