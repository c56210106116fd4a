import { lunStrangerReason, machinesOf, type PersonaLocation } from '../placement/persona-location';

/** Where a persona belongs (topology `home`): a machine, or a VM on a hypervisor host. */
export type HomePlacement =
  | { readonly kind: 'machine'; readonly machine: string }
  | { readonly kind: 'vm'; readonly host: string };

/** What a failback does for one persona, decided from its home and where it runs now. */
export type FailbackMove =
  | { readonly kind: 'already-home' }
  /**
   * It runs on another machine, or nowhere: repurpose it onto its home machine (stopping it where
   * it runs).
   */
  | { readonly kind: 'repurpose'; readonly machine: string }
  /** It runs as a VM: v2p onto its home machine. */
  | { readonly kind: 'v2p'; readonly machine: string }
  /** Its home is a VM and it runs on a machine: p2v (san) onto its home host. */
  | { readonly kind: 'p2v'; readonly host: string }
  | { readonly kind: 'refuse'; readonly reason: string };

export interface FailbackDecision {
  /** Where it runs now: a machine id (`m1+m2` when several see its LUNs), `vm@host`, or `none`. */
  readonly from: string;
  /** Its home: a machine id or `vm@host`. */
  readonly to: string;
  readonly move: FailbackMove;
}

export const homeName = (home: HomePlacement): string =>
  home.kind === 'machine' ? home.machine : `vm@${home.host}`;

/**
 * Pure: where the persona runs (its ledger placements, and the machines whose initiators see
 * its LUNs) against its home. A LUN held by an initiator outside the topology is refused, as
 * every moving runbook refuses it.
 */
export function decideFailback(
  persona: string,
  home: HomePlacement,
  where: PersonaLocation,
): FailbackDecision {
  const to = homeName(home);
  const vm = where.placements.map((p) => p.placement).find((p) => p.kind === 'vm');
  const machines = machinesOf(where);
  const from = vm !== undefined ? `vm@${vm.host}` : machines.join('+') || 'none';
  const refuse = (reason: string): FailbackDecision => ({
    from,
    to,
    move: { kind: 'refuse', reason },
  });

  const stranger = lunStrangerReason(where);
  if (stranger !== undefined) return refuse(stranger);

  if (home.kind === 'machine') {
    if (vm !== undefined) return { from, to, move: { kind: 'v2p', machine: home.machine } };
    if (machines.length === 1 && machines[0] === home.machine)
      return { from, to, move: { kind: 'already-home' } };
    return { from, to, move: { kind: 'repurpose', machine: home.machine } };
  }
  if (vm !== undefined) {
    if (vm.host === home.host) return { from, to, move: { kind: 'already-home' } };
    return refuse(
      `${persona} runs as a VM on ${vm.host} and its home is a VM on ${home.host}; no runbook moves a VM between hosts (v2p it to a machine first)`,
    );
  }
  if (machines.length === 0)
    return refuse(
      `${persona} runs nowhere; p2v needs it running on a machine to move it to its home host ${home.host}`,
    );
  if (machines.length > 1)
    return refuse(
      `${persona} is seen on several machines (${machines.join(', ')}); repurpose it onto one first`,
    );
  return { from, to, move: { kind: 'p2v', host: home.host } };
}
