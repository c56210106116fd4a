import {
  actionsFor,
  classify,
  decideRound,
  doubtOf,
  EMPTY_MEMORY,
  policyFor,
  type GuardMemory,
  type GuardRules,
  type MachineObservation,
  type RoundObservation,
} from '../../domain/guard/guard-decision';
import { siteGuardInputSchema } from '../../workflows/site-guard/site-guard-input';
import { fieldIssues } from '../../common/field-path';

const RULES: GuardRules = { failuresToLose: 3, eventWindowMs: 0 };

/**
 * A machine m<rack>-<n> in rack r<rack> running persona p<rack>-<n>, by the state of its two
 * signals.
 */
function m(
  rack: number,
  n: number,
  state: 'ok' | 'dead' | 'bmc-dark' | 'persona-down' | 'spare' | 'dark-unchecked',
  priority = 3,
): MachineObservation {
  const id = `m${rack}-${n}`;
  const base = { machine: id, rack: `r${rack}` };
  if (state === 'spare') return { ...base, bmcAnswers: true };
  const persona = { persona: `p${rack}-${n}`, priority };
  switch (state) {
    case 'ok':
      return { ...base, ...persona, bmcAnswers: true, personaHealthy: true };
    case 'dead':
      return { ...base, ...persona, bmcAnswers: false, personaHealthy: false };
    case 'bmc-dark':
      return { ...base, ...persona, bmcAnswers: false, personaHealthy: true };
    case 'persona-down':
      return { ...base, ...persona, bmcAnswers: true, personaHealthy: false };
    case 'dark-unchecked':
      return { ...base, ...persona, bmcAnswers: false };
  }
}

const round = (
  machines: MachineObservation[],
  switchesUp = true,
  witnesses: boolean[] = [],
): RoundObservation => ({
  machines,
  switches: [
    { id: 'sw-1', answers: switchesUp },
    { id: 'sw-2', answers: switchesUp },
  ],
  witnesses: witnesses.map((answers, i) => ({ id: `w${i}`, answers })),
});

/** Feeds rounds one second apart; returns every decision. */
function run(rounds: RoundObservation[], rules = RULES, memory: GuardMemory = EMPTY_MEMORY) {
  const out = [];
  let mem = memory;
  for (const [i, r] of rounds.entries()) {
    const d = decideRound(mem, r, i * 1000, rules);
    out.push(d);
    mem = d.memory;
  }
  return out;
}

/** A site of three racks with three persona machines each, all well, except what `change` says. */
const site = (
  change: Record<string, 'ok' | 'dead' | 'bmc-dark' | 'persona-down' | 'dark-unchecked'> = {},
): MachineObservation[] =>
  [1, 2, 3].flatMap((rack) => [1, 2, 3].map((n) => m(rack, n, change[`m${rack}-${n}`] ?? 'ok')));

describe('a machine counts as lost only after N consecutive rounds of BOTH signals failing', () => {
  it.each([
    ['both fail 3 times in a row', ['dead', 'dead', 'dead'], 1],
    ['both fail twice: not yet', ['dead', 'dead'], 0],
    ['a flapping BMC (fails once, answers again)', ['dead', 'ok', 'dead', 'ok', 'dead', 'ok'], 0],
    ['one good round resets the count', ['dead', 'dead', 'ok', 'dead', 'dead'], 0],
    ['the count starts again after a reset', ['dead', 'dead', 'ok', 'dead', 'dead', 'dead'], 1],
    [
      'a dark BMC with a healthy persona is a BMC problem, never a loss',
      ['bmc-dark', 'bmc-dark', 'bmc-dark', 'bmc-dark'],
      0,
    ],
    [
      'a failing persona on an answering BMC is not a lost machine',
      ['persona-down', 'persona-down', 'persona-down', 'persona-down'],
      0,
    ],
    [
      'a persona without a health check cannot confirm the loss',
      ['dark-unchecked', 'dark-unchecked', 'dark-unchecked', 'dark-unchecked'],
      0,
    ],
    [
      'alternating half-failures never add up',
      ['bmc-dark', 'persona-down', 'bmc-dark', 'persona-down'],
      0,
    ],
  ] as const)('%s', (_name, states, events) => {
    const decisions = run(states.map((s) => round(site({ 'm1-1': s }))));
    expect(decisions.flatMap((d) => d.events)).toHaveLength(events);
    if (events === 1)
      expect(decisions.flatMap((d) => d.events)[0]).toEqual({
        kind: 'machine',
        racks: ['r1'],
        machines: [{ machine: 'm1-1', persona: 'p1-1', priority: 3, rack: 'r1' }],
      });
  });

  it('a lost machine leads to one event, not one per round', () => {
    const decisions = run(Array.from({ length: 8 }, () => round(site({ 'm2-2': 'dead' }))));
    expect(decisions.map((d) => d.events.length)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('a handled machine is judged again once its persona left it (restored elsewhere)', () => {
    const lost = run(Array.from({ length: 3 }, () => round(site({ 'm2-2': 'dead' }))));
    expect(lost[2]!.memory.handled).toEqual(['m2-2']);
    const moved = site({ 'm2-2': 'dead' }).map((x) =>
      x.machine === 'm2-2' ? { machine: 'm2-2', rack: 'r2', bmcAnswers: false } : x,
    );
    expect(decideRound(lost[2]!.memory, round(moved), 5000, RULES).memory.handled).toEqual([]);
  });

  it('BMC problems and personas down are reported once each, not acted on', () => {
    const decisions = run(
      Array.from({ length: 5 }, () => round(site({ 'm1-1': 'bmc-dark', 'm3-3': 'persona-down' }))),
    );
    const findings = decisions.flatMap((d) => d.findings);
    expect(findings).toEqual([
      { kind: 'persona-down', machine: 'm3-3', persona: 'p3-3' },
      { kind: 'bmc-problem', machine: 'm1-1', persona: 'p1-1' },
    ]);
    expect(decisions.flatMap((d) => d.events)).toEqual([]);
  });
});

describe('machines lost within a window are one event', () => {
  const rackBurns = (): MachineObservation[] =>
    site({ 'm1-1': 'dead', 'm1-2': 'dead', 'm1-3': 'dead' });

  it('a burned rack is one rack event, not three machine events', () => {
    const events = run([rackBurns(), rackBurns(), rackBurns()].map((x) => round(x))).flatMap(
      (d) => d.events,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'rack', racks: ['r1'] });
    expect(events[0]!.machines.map((x) => x.machine)).toEqual(['m1-1', 'm1-2', 'm1-3']);
  });

  it('machines that fail a round apart join the event while its window is open', () => {
    const rules = { failuresToLose: 2, eventWindowMs: 3000 };
    const first = site({ 'm1-1': 'dead' });
    const both = site({ 'm1-1': 'dead', 'm2-1': 'dead' });
    const decisions = run(
      [round(first), round(both), round(both), round(both), round(both), round(both)],
      rules,
    );
    expect(decisions.map((d) => d.events.length)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(decisions[4]!.events[0]).toMatchObject({ kind: 'site', racks: ['r1', 'r2'] });
  });

  it('a machine that answers again while the window is open drops out of the event', () => {
    const rules = { failuresToLose: 2, eventWindowMs: 3000 };
    const two = site({ 'm1-1': 'dead', 'm1-2': 'dead' });
    const one = site({ 'm1-1': 'dead' });
    const events = run([round(two), round(two), round(one), round(one), round(one)], rules).flatMap(
      (d) => d.events,
    );
    expect(events).toEqual([
      {
        kind: 'machine',
        racks: ['r1'],
        machines: [{ machine: 'm1-1', persona: 'p1-1', priority: 3, rack: 'r1' }],
      },
    ]);
  });

  it.each([
    [['a@r1'], 'machine', ['r1']],
    [['a@r1', 'b@r1'], 'rack', ['r1']],
    [['a@r1', 'b@r2'], 'site', ['r1', 'r2']],
  ] as const)('classify %j → %s', (list, kind, racks) => {
    const machines = list.map((x) => ({
      machine: x.split('@')[0]!,
      persona: `p-${x}`,
      priority: 1,
      rack: x.split('@')[1]!,
    }));
    expect(classify(machines)).toMatchObject({ kind, racks });
  });

  it('a site of one rack whose every guarded machine is lost is a site event, not a rack event', () => {
    const machines = ['a', 'b'].map((m) => ({
      machine: m,
      persona: `p-${m}`,
      priority: 1,
      rack: 'r1',
    }));
    expect(classify(machines, 2)).toMatchObject({ kind: 'site', racks: ['r1'] });
    expect(classify(machines, 3)).toMatchObject({ kind: 'rack', racks: ['r1'] });
    expect(classify(machines.slice(0, 1), 1)).toMatchObject({ kind: 'machine' });
  });
});

describe('the guard never acts while its own view is doubtful', () => {
  it.each([
    [
      'most BMCs dark but most of their personas answer',
      site(
        Object.fromEntries(
          [1, 2].flatMap((r) => [1, 2, 3].map((n) => [`m${r}-${n}`, 'bmc-dark' as const])),
        ),
      ),
      true,
      [],
      'management network',
    ],
    [
      'nothing at the site answers and there is no witness',
      site(
        Object.fromEntries(
          [1, 2, 3].flatMap((r) => [1, 2, 3].map((n) => [`m${r}-${n}`, 'dead' as const])),
        ),
      ),
      false,
      [],
      'cut off itself',
    ],
    [
      'nothing at the site answers nor any witness',
      site(
        Object.fromEntries(
          [1, 2, 3].flatMap((r) => [1, 2, 3].map((n) => [`m${r}-${n}`, 'dead' as const])),
        ),
      ),
      false,
      [false],
      'cut off itself',
    ],
  ] as const)('%s', (_n, machines, switchesUp, witnesses, why) => {
    expect(doubtOf(round([...machines], switchesUp, [...witnesses]))).toContain(why);
  });

  it.each([
    [
      'a burned rack (a third of the site)',
      site({ 'm1-1': 'dead', 'm1-2': 'dead', 'm1-3': 'dead' }),
      true,
      [],
    ],
    [
      'two of three racks burned: most BMCs dark, and their personas dead too',
      site(
        Object.fromEntries(
          [1, 2].flatMap((r) => [1, 2, 3].map((n) => [`m${r}-${n}`, 'dead' as const])),
        ),
      ),
      true,
      [],
    ],
    [
      'the whole site dark, but a witness at another site answers',
      site(
        Object.fromEntries(
          [1, 2, 3].flatMap((r) => [1, 2, 3].map((n) => [`m${r}-${n}`, 'dead' as const])),
        ),
      ),
      false,
      [true],
    ],
  ] as const)('not doubtful: %s', (_n, machines, switchesUp, witnesses) => {
    expect(doubtOf(round([...machines], switchesUp, [...witnesses]))).toBeUndefined();
  });

  it('doubtful rounds are not counted: a loss needs N trusted rounds', () => {
    const dead = site({ 'm1-1': 'dead' });
    // Add an OOB outage to every other machine in the middle rounds: those rounds do not count.
    const outage = dead.map((x) => (x.machine === 'm1-1' ? x : { ...x, bmcAnswers: false }));
    const decisions = run([round(dead), round(outage), round(outage), round(dead), round(dead)]);
    expect(decisions.map((d) => d.doubt !== undefined)).toEqual([false, true, true, false, false]);
    expect(decisions.map((d) => d.events.length)).toEqual([0, 0, 0, 0, 1]);
    expect(decisions.flatMap((d) => d.findings).filter((f) => f.kind === 'doubtful')).toHaveLength(
      1,
    );
  });

  it('an event whose window closes during doubt waits for a trusted round', () => {
    const rules = { failuresToLose: 2, eventWindowMs: 1000 };
    const dead = site({ 'm1-1': 'dead' });
    const outage = dead.map((x) => (x.machine === 'm1-1' ? x : { ...x, bmcAnswers: false }));
    const decisions = run(
      [round(dead), round(dead), round(outage), round(outage), round(dead)],
      rules,
    );
    expect(decisions.map((d) => d.events.length)).toEqual([0, 0, 0, 0, 1]);
  });
});

describe('policies', () => {
  const table = siteGuardInputSchema.parse({ site: 'dc1' }).policy;

  it.each([
    [1, 'approve'],
    [2, 'approve'],
    [3, 'auto'],
    [4, 'auto'],
    [5, 'auto'],
  ] as const)('default for priority %d is %s', (priority, policy) => {
    expect(policyFor('x', priority, table)).toBe(policy);
  });

  it("a persona's own policy wins over its priority's", () => {
    const t = siteGuardInputSchema.parse({
      site: 'dc1',
      policy: { byPriority: { 1: 'auto' }, byPersona: { 'db-01': 'alert' } },
    }).policy;
    expect(policyFor('db-01', 1, t)).toBe('alert');
    expect(policyFor('web-01', 1, t)).toBe('auto');
    expect(policyFor('web-01', 2, t)).toBe('approve');
  });

  it.each([
    [{ site: 'dc1', policy: { byPriority: { 1: 'yolo' } } }, 'input.policy.byPriority.1'],
    [{ site: 'dc1', policy: { byPriority: { 7: 'auto' } } }, 'input.policy.byPriority'],
    [
      { site: 'dc1', policy: { byPersona: { 'Bad Name': 'auto' } } },
      'input.policy.byPersona.Bad Name',
    ],
    [{ site: 'dc1', failuresToLose: 1 }, 'input.failuresToLose'],
    [
      { site: 'dc1', webhook: { url: 'http://x/"; rm -rf /', secret: 'hook' } },
      'input.webhook.url',
    ],
    [{ site: 'dc1', webhook: { url: 'http://127.0.0.1:9/hook' } }, 'input.webhook.secret'],
    [{ site: 'dc1', intervalSeconds: 0 }, 'input.intervalSeconds'],
  ])('bad input %j names %s', (bad, path) => {
    const parsed = siteGuardInputSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(fieldIssues(parsed.error!, ['input']).map((i) => i.path)).toContain(path);
  });

  const lost = (persona: string, priority: number, machine: string, rack = 'r1') => ({
    persona,
    priority,
    machine,
    rack,
  });
  const byPriority = (l: { priority: number; persona: string }) =>
    policyFor(l.persona, l.priority, table);

  it('a lone machine under auto is restored by repurpose (per-machine HA)', () => {
    expect(actionsFor(classify([lost('web-01', 3, 'm1')]), byPriority)).toEqual([
      { kind: 'repurpose', machine: lost('web-01', 3, 'm1') },
    ]);
  });

  it('a lone hypervisor host under auto has its VMs restarted by a failover of that host, not a repurpose', () => {
    const host = (dead: boolean): MachineObservation => ({
      machine: 'h1',
      rack: 'r2',
      bmcAnswers: !dead,
      persona: 'web-01',
      priority: 3,
      personaHealthy: !dead,
      vms: ['web-01', 'app-01'],
    });
    const decisions = run([round([host(true)]), round([host(true)]), round([host(true)])]);
    const event = decisions[2]!.events[0]!;
    expect(event.machines).toEqual([
      { machine: 'h1', persona: 'web-01', priority: 3, rack: 'r2', vms: ['web-01', 'app-01'] },
    ]);
    expect(actionsFor(event, byPriority)).toEqual([
      { kind: 'site-failover', approval: 'auto', machines: event.machines },
    ]);
  });

  it('a lone machine under approve waits in a site-failover with manual approval', () => {
    expect(actionsFor(classify([lost('db-01', 1, 'm1')]), byPriority)).toEqual([
      { kind: 'site-failover', approval: 'manual', machines: [lost('db-01', 1, 'm1')] },
    ]);
  });

  it('a rack is one failover per policy, never one move per machine', () => {
    const event = classify([
      lost('db-01', 1, 'm1'),
      lost('web-01', 3, 'm2'),
      lost('web-02', 4, 'm3'),
      lost('app-01', 2, 'm4'),
    ]);
    const actions = actionsFor(event, byPriority);
    expect(actions.map((a) => a.kind)).toEqual(['site-failover', 'site-failover']);
    expect(actions).toContainEqual({
      kind: 'site-failover',
      approval: 'auto',
      machines: [lost('web-01', 3, 'm2'), lost('web-02', 4, 'm3')],
    });
    expect(actions).toContainEqual({
      kind: 'site-failover',
      approval: 'manual',
      machines: [lost('db-01', 1, 'm1'), lost('app-01', 2, 'm4')],
    });
  });

  it('alert only reports', () => {
    expect(
      actionsFor(classify([lost('db-01', 1, 'm1'), lost('db-02', 1, 'm2')]), () => 'alert'),
    ).toEqual([{ kind: 'alert', machines: [lost('db-01', 1, 'm1'), lost('db-02', 1, 'm2')] }]);
  });
});
