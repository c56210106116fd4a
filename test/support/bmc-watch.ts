import type { LabMachine } from '../../lab/lab-machine';

export interface BmcEvent {
  readonly action: string;
  readonly state: string;
}

/**
 * What a lab machine's BMC saw from now on, in order, each with the power state at that
 * moment: requests (`on`, `off`, `cycle`, `bootdev`…), power transitions (`power-on`,
 * `power-off`) and boots (`boot healthy`, `boot unhealthy: <reason>`). Crash tests read it to
 * prove that a replaced worker repeated no unsafe action.
 */
export function watchBmc(m: LabMachine): BmcEvent[] {
  const seen: BmcEvent[] = [];
  m.on('action', (a: { action: string }) => seen.push({ action: a.action, state: m.powerState }));
  m.on('power', (state: string) => seen.push({ action: `power-${state}`, state }));
  m.on('boot', (b: { healthy: boolean; reason?: string }) =>
    seen.push({
      action: `boot ${b.healthy ? 'healthy' : `unhealthy: ${b.reason}`}`,
      state: m.powerState,
    }),
  );
  return seen;
}
