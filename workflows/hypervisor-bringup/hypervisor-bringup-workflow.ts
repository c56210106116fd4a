import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { plan } from '../activity-proxies/plan';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import type { RunbookReport } from '../runbook-report';
import { noCapacity, runRunbook } from '../runbook-run';
import { bringUpOnMachine } from '../steps/bring-up-on-machine';
import { waitForHypervisor } from '../steps/wait-for-hypervisor';
import { hypervisorBringupInputSchema } from './hypervisor-bringup-input';
import { checkClusterPersona, checkHost, CLUSTER_HOSTS } from './host-check';
import { machineResource, personaResource } from '../../inventory/ledger-records';

/**
 * `hypervisor-bringup`: make a machine a host of a cluster (topology `clusters:`,
 * inventory/hypervisor-cluster): its ports get the cluster's networks as VLAN trunks, exactly
 * the cluster's shared datastores are masked to its initiator, and it boots the cluster's
 * hypervisor image. Lease the machine (and an evicted occupant) only, so hosts of one cluster
 * come up in parallel; then the same steps as repurpose up to power-on; "up" is the host's
 * libvirt answering. The ledger then records the machine as role 'hypervisor' of the cluster,
 * which keeps repurpose from choosing it. Runs started before clusters (no `cluster-hosts`
 * marker) replay the old path, where the cluster was a persona placed on its one host.
 */
export function hypervisorBringup(rawInput: unknown): Promise<RunbookReport> {
  return runRunbook(
    'hypervisor-bringup',
    hypervisorBringupInputSchema,
    rawInput,
    'cluster',
    async (input, run) => {
      const { journal, stepsAt } = run;
      const machine = input.machine;
      const host = await journal.step(
        'plan-host',
        `what ${machine} needs to host ${input.cluster ?? "its site's cluster"}`,
        () =>
          plan.planHypervisorHost.executeWithOptions(
            { summary: `plan ${machine} as a hypervisor host` },
            [{ machine, ...(input.cluster && { cluster: input.cluster }) }],
          ),
        (h) =>
          `cluster ${h.cluster}: ${h.placement.ports.length} port(s) to trunk, LUNs ${h.placement.luns.map((l) => l.lun).join(', ') || 'none'}, image ${h.placement.image}`,
      );
      const cluster = host.cluster;

      const fit = patched(CLUSTER_HOSTS)
        ? await checkHost(journal, machine, cluster, input.allowEvict)
        : await checkClusterPersona(journal, machine, cluster, input.allowEvict);
      const hostOnly = fit.hostOnly;

      const steps = stepsAt(host.site);
      // A host leases its machine only: hosts of one cluster come up side by side.
      const resources = [
        machineResource(machine),
        ...(hostOnly ? [] : [personaResource(cluster)]),
        ...(fit.evicts ? [personaResource(fit.evicts)] : []),
      ];
      if (!(await steps.tryLease(resources, `make ${machine} a host of ${cluster}`)))
        throw noCapacity(
          hostOnly
            ? `${machine} is leased by another run`
            : `${machine} or ${cluster} is leased by another run`,
        );
      upsertSearchAttributes([
        { key: SITE_KEY, value: host.site },
        { key: MACHINE_KEY, value: [machine] },
        ...(hostOnly && !fit.evicts
          ? []
          : [
              {
                key: PERSONA_KEY,
                value: [...(hostOnly ? [] : [cluster]), ...(fit.evicts ? [fit.evicts] : [])],
              },
            ]),
      ]);

      await bringUpOnMachine(steps, {
        persona: cluster,
        plan: host.placement,
        ...(fit.evicts && { evicts: fit.evicts }),
        evictGraceSeconds: input.evictGraceSeconds,
        powerTimeoutSeconds: input.powerTimeoutSeconds,
        role: 'hypervisor',
        ...(hostOnly && { hostOf: cluster }),
        waitUp: () => waitForHypervisor(journal, machine, input.readyTimeoutSeconds),
      });
      return machine;
    },
  );
}
