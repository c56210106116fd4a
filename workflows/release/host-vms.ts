import { ApplicationFailure } from '@temporalio/workflow';
import type { LedgerState } from '../../inventory/ledger-records';
import { waitForHypervisor } from '../activity-proxies/hypervisor';
import type { RunJournal } from '../run-journal';

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
    () =>
      waitForHypervisor(0).executeWithOptions({ summary: `list VMs on ${host}` }, [
        { host, timeoutSeconds: 0 },
      ]),
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
