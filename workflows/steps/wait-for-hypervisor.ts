import { ApplicationFailure } from '@temporalio/workflow';
import { waitForHypervisor as libvirtAnswers } from '../activity-proxies/hypervisor';
import type { RunJournal } from '../run-journal';

/** Thrown (as the failure type) when a host booted but its libvirt never answered. */
export const HYPERVISOR_NOT_READY = 'HypervisorNotReadyError';

/**
 * The "is it up" of a hypervisor host: its libvirt answers `virsh list` over SSH, which in the
 * lab (as on real hosts) happens only once it booted a hypervisor image. No undo: it changes
 * nothing.
 */
export async function waitForHypervisor(
  journal: RunJournal,
  host: string,
  timeoutSeconds: number,
): Promise<void> {
  await journal.step(
    'hypervisor',
    `wait up to ${timeoutSeconds}s for ${host}'s libvirt to answer`,
    async () => {
      const r = await libvirtAnswers(timeoutSeconds).executeWithOptions(
        { summary: `wait for libvirt on ${host}` },
        [{ host, timeoutSeconds }],
      );
      if (!r.ready)
        throw ApplicationFailure.create({
          type: HYPERVISOR_NOT_READY,
          nonRetryable: true,
          message: `${host}'s hypervisor does not answer after ${timeoutSeconds}s: ${r.detail}`,
        });
      return r;
    },
    (r) => r.detail,
  );
}
