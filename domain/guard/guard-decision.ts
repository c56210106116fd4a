/**
 * The site guard's judgement, as pure functions over one probe round and the guard's memory:
 * no I/O, no clock, no Temporal, so a replay recomputes it and a table test covers it.
 *
 * Signals, from the guard's own vantage point:
 * - the BMC of each machine (out-of-band network): does it answer a power-state read;
 * - the health check of the persona running there (production network);
 * - the site's switches (management address answers an SSH banner) and, at other sites, their
 *   switches too (a witness that the guard itself is still connected to the world).
 * A machine is lost only after `failuresToLose` consecutive rounds in which BOTH its BMC and its
 * persona's health check failed. Rounds whose view is doubtful are not counted at all.
 */

type GuardPolicy = 'auto' | 'approve' | 'alert';

export interface MachineObservation {
  readonly machine: string;
  readonly rack: string;
  readonly bmcAnswers: boolean;
  /**
   * The persona the ledger (else the topology) runs there; machines without one are not guarded.
   */
  readonly persona?: string;
  /** The persona's priority (1 highest … 5). */
  readonly priority?: number;
  /** Its health check's answer; undefined when the persona has no health check. */
  readonly personaHealthy?: boolean;
  /**
   * A hypervisor host: the VMs placed on it, most important first (`persona` is the first;
   * `personaHealthy` is true while any of them answers).
   */
  readonly vms?: readonly string[];
}

interface ReachObservation {
  readonly id: string;
  readonly answers: boolean;
}

export interface RoundObservation {
  readonly machines: readonly MachineObservation[];
  /** The guarded site's switches. */
  readonly switches: readonly ReachObservation[];
  /** Switches of other sites: answers there mean the guard is not cut off itself. */
  readonly witnesses: readonly ReachObservation[];
}

export interface GuardRules {
  readonly failuresToLose: number;
  /** Machines judged lost within this long of the first form one event. */
  readonly eventWindowMs: number;
}

export interface LostMachine {
  readonly machine: string;
  readonly persona: string;
  readonly priority: number;
  readonly rack: string;
  /** A lost hypervisor host: every VM it ran (their restart is the action, never a repurpose). */
  readonly vms?: readonly string[];
}

export interface GuardMemory {
  /** Consecutive counted rounds in which both signals failed, per machine. */
  readonly failed: Readonly<Record<string, number>>;
  /**
   * Consecutive counted rounds with a dark BMC and a healthy persona (a BMC problem), per machine.
   */
  readonly bmcOnly: Readonly<Record<string, number>>;
  /** An event still collecting machines until its window closes. */
  readonly open?: { readonly openedMs: number; readonly machines: readonly LostMachine[] };
  /**
   * Machines already handed to an action: not judged again until their persona leaves them or they
   * answer.
   */
  readonly handled: readonly string[];
  /**
   * Findings already reported, so each is notified once (`bmc:<machine>`, `persona:<machine>`,
   * `doubt`).
   */
  readonly reported: readonly string[];
}

export type EventKind = 'machine' | 'rack' | 'site';

export interface GuardEvent {
  readonly kind: EventKind;
  readonly racks: readonly string[];
  readonly machines: readonly LostMachine[];
}

type Finding =
  | { readonly kind: 'bmc-problem'; readonly machine: string; readonly persona: string }
  | { readonly kind: 'persona-down'; readonly machine: string; readonly persona: string }
  | { readonly kind: 'doubtful'; readonly reason: string };

interface RoundDecision {
  readonly memory: GuardMemory;
  /** Why this round's view is not trusted; nothing is counted or acted on then. */
  readonly doubt?: string;
  /** Events whose window closed this round: act on them. */
  readonly events: readonly GuardEvent[];
  /** New findings to report (each once until it clears). */
  readonly findings: readonly Finding[];
}

export const EMPTY_MEMORY: GuardMemory = { failed: {}, bmcOnly: {}, handled: [], reported: [] };

const bothFailed = (m: MachineObservation): boolean => !m.bmcAnswers && m.personaHealthy === false;

/**
 * Why the guard's view of a round cannot be trusted, or undefined.
 * - Most of the site's BMCs are dark while most personas on those dark machines still answer:
 *   the out-of-band network (or the guard's path to it) failed, not the machines. Even the few
 *   machines that look lost on both signals are then more likely victims of the same outage.
 * - Nothing at the site answers (no BMC, no switch) and no witness at another site answers
 *   either (or there is none): a dead site and a guard cut off from everything look the same.
 */
export function doubtOf(round: RoundObservation): string | undefined {
  const all = round.machines;
  if (all.length === 0) return undefined;
  const dark = all.filter((m) => !m.bmcAnswers);
  if (dark.length * 2 > all.length) {
    const checked = dark.filter((m) => m.personaHealthy !== undefined);
    const alive = checked.filter((m) => m.personaHealthy === true);
    if (alive.length * 2 > checked.length && checked.length > 0) {
      return `${dark.length} of ${all.length} BMCs are dark but ${alive.length} of ${checked.length} of their personas answer: the management network looks broken, not the machines`;
    }
  }
  const switchAnswers = round.switches.some((s) => s.answers);
  if (dark.length === all.length && !switchAnswers && !round.witnesses.some((w) => w.answers)) {
    return round.witnesses.length === 0
      ? `no BMC or switch of the site answers and there is no other site to confirm from: the guard may be cut off itself`
      : `no BMC or switch of the site answers, nor any switch of another site: the guard is cut off itself`;
  }
  return undefined;
}

/**
 * One event from the machines lost within a window: a single machine, one rack, or the site
 * (several racks, or every guarded machine of the site: a site of one rack that goes dark is lost
 * as a site, not as a rack). `guardedAtSite`: how many machines the guard watches there.
 */
export function classify(machines: readonly LostMachine[], guardedAtSite = Infinity): GuardEvent {
  const sorted = [...machines].sort((a, b) => (a.machine < b.machine ? -1 : 1));
  const racks = [...new Set(sorted.map((m) => m.rack))].sort();
  const whole = sorted.length > 1 && sorted.length >= guardedAtSite;
  const kind: EventKind =
    sorted.length === 1 ? 'machine' : racks.length === 1 && !whole ? 'rack' : 'site';
  return { kind, racks, machines: sorted };
}

/**
 * Counts one more round for each machine that matches; a machine that does not starts again from
 * zero.
 */
function streaks(
  prior: Readonly<Record<string, number>>,
  machines: readonly MachineObservation[],
  matches: (m: MachineObservation) => boolean,
): Record<string, number> {
  return Object.fromEntries(
    machines.filter(matches).map((m) => [m.machine, (prior[m.machine] ?? 0) + 1]),
  );
}

const bmcOnlyDark = (m: MachineObservation): boolean => !m.bmcAnswers && m.personaHealthy === true;

/** Judges one probe round taken at `nowMs`, given the memory of the rounds before. */
export function decideRound(
  memory: GuardMemory,
  round: RoundObservation,
  nowMs: number,
  rules: GuardRules,
): RoundDecision {
  const doubt = doubtOf(round);
  const guarded = round.machines.filter((m) => m.persona !== undefined);
  const byMachine = new Map(guarded.map((m) => [m.machine, m]));
  // A handled machine is released once its persona left it (restored elsewhere) or it answers
  // again.
  const handled = memory.handled.filter((id) => {
    const m = byMachine.get(id);
    return m !== undefined && bothFailed(m);
  });
  if (doubt !== undefined) {
    const fresh = memory.reported.includes('doubt')
      ? []
      : [{ kind: 'doubtful', reason: doubt } as const];
    return {
      memory: { ...memory, handled, reported: [...new Set([...memory.reported, 'doubt'])] },
      doubt,
      events: [],
      findings: fresh,
    };
  }

  const failed = streaks(memory.failed, guarded, bothFailed);
  const bmcOnly = streaks(memory.bmcOnly, guarded, bmcOnlyDark);

  // An open event keeps only machines still failing: one that answers again during the window was a
  // flap.
  let open = memory.open && {
    ...memory.open,
    machines: memory.open.machines.filter((l) => failed[l.machine] !== undefined),
  };
  const waiting = new Set([...handled, ...(open?.machines.map((l) => l.machine) ?? [])]);
  const newlyLost = guarded.filter(
    (m) => (failed[m.machine] ?? 0) >= rules.failuresToLose && !waiting.has(m.machine),
  );
  if (newlyLost.length > 0) {
    const added = newlyLost.map((m) => ({
      machine: m.machine,
      persona: m.persona!,
      priority: m.priority ?? 1,
      rack: m.rack,
      ...(m.vms !== undefined && { vms: m.vms }),
    }));
    open =
      open && open.machines.length > 0
        ? { ...open, machines: [...open.machines, ...added] }
        : { openedMs: nowMs, machines: added };
  }
  const events: GuardEvent[] = [];
  let nextHandled = handled;
  if (open !== undefined && open.machines.length === 0) open = undefined;
  if (open !== undefined && nowMs - open.openedMs >= rules.eventWindowMs) {
    events.push(classify(open.machines, guarded.length));
    nextHandled = [...handled, ...open.machines.map((l) => l.machine)];
    open = undefined;
  }

  const findings: Finding[] = [];
  const reported = new Set(memory.reported.filter((r) => r !== 'doubt'));
  const keep = new Set<string>();
  for (const m of guarded) {
    const bmcKey = `bmc:${m.machine}`;
    const personaKey = `persona:${m.machine}`;
    if ((bmcOnly[m.machine] ?? 0) >= rules.failuresToLose) {
      keep.add(bmcKey);
      if (!reported.has(bmcKey))
        findings.push({ kind: 'bmc-problem', machine: m.machine, persona: m.persona! });
    }
    if (m.bmcAnswers && m.personaHealthy === false) {
      keep.add(personaKey);
      if (!reported.has(personaKey))
        findings.push({ kind: 'persona-down', machine: m.machine, persona: m.persona! });
    }
  }
  return {
    memory: {
      failed,
      bmcOnly,
      ...(open && { open }),
      handled: nextHandled,
      reported: [...keep].sort(),
    },
    events,
    findings,
  };
}

interface PolicyTable {
  readonly byPriority: Readonly<Record<'1' | '2' | '3' | '4' | '5', GuardPolicy>>;
  readonly byPersona: Readonly<Record<string, GuardPolicy>>;
}

/** A persona's own policy, else its priority's. */
export function policyFor(persona: string, priority: number, table: PolicyTable): GuardPolicy {
  return (
    table.byPersona[persona] ??
    table.byPriority[String(priority) as keyof PolicyTable['byPriority']] ??
    'approve'
  );
}

export type GuardAction =
  | { readonly kind: 'repurpose'; readonly machine: LostMachine }
  | {
      readonly kind: 'site-failover';
      readonly approval: 'auto' | 'manual';
      readonly machines: readonly LostMachine[];
    }
  | { readonly kind: 'alert'; readonly machines: readonly LostMachine[] };

/**
 * What an event leads to. Its machines are split by their persona's policy: `auto` ones are
 * restored at once (a lone machine by `repurpose`, per-machine HA; a lone hypervisor host, whose
 * VMs are restarted, and a rack or site by one `site-failover`), `approve` ones by one
 * `site-failover` that waits for approval, `alert` ones only reported. So an event is at most
 * one failover per policy, never one per machine.
 */
export function actionsFor(
  event: GuardEvent,
  policyOf: (l: LostMachine) => GuardPolicy,
): GuardAction[] {
  const of = (p: GuardPolicy) => event.machines.filter((l) => policyOf(l) === p);
  const auto = of('auto');
  const approve = of('approve');
  const alert = of('alert');
  const actions: GuardAction[] = [];
  if (auto.length > 0) {
    // A lone host's VMs are restarted by a failover of that one machine: it fences the host once,
    // and its plan finds each VM room on another host or brings one up.
    actions.push(
      event.kind === 'machine' && auto[0]!.vms === undefined
        ? { kind: 'repurpose', machine: auto[0]! }
        : { kind: 'site-failover', approval: 'auto', machines: auto },
    );
  }
  if (approve.length > 0)
    actions.push({ kind: 'site-failover', approval: 'manual', machines: approve });
  if (alert.length > 0) actions.push({ kind: 'alert', machines: alert });
  return actions;
}
