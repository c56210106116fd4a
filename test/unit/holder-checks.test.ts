import type { HolderCheck } from '../../domain/ledger/runbook-types';
import { HolderChecks } from '../../workflows/ledger/holder-checks';

/** A check whose answers the test releases by hand, recording what each call asked. */
function manualAsk() {
  const calls: string[][] = [];
  const answers: Array<(c: HolderCheck[]) => void> = [];
  const fail: Array<(e: unknown) => void> = [];
  const ask = (holders: string[]): Promise<HolderCheck[]> => {
    calls.push(holders);
    return new Promise((resolve, reject) => {
      answers.push(resolve);
      fail.push(reject);
    });
  };
  return { ask, calls, answers, fail };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('HolderChecks (the ledger gathers its holder checks)', () => {
  it('asks about holders that arrive during a check together, in the next check', async () => {
    const m = manualAsk();
    const checks = new HolderChecks(m.ask);
    const a = checks.refusal('repurpose/a');
    const b = checks.refusal('repurpose/b');
    const c = checks.refusal('repurpose/c');
    const a2 = checks.refusal('repurpose/a');
    await tick();
    expect(m.calls).toEqual([['repurpose/a']]);
    m.answers[0]!([{ holder: 'repurpose/a' }]);
    await tick();
    expect(m.calls).toEqual([['repurpose/a'], ['repurpose/b', 'repurpose/c']]);
    m.answers[1]!([
      { holder: 'repurpose/b' },
      { holder: 'repurpose/c', refused: 'no such workflow' },
    ]);
    expect(await Promise.all([a, a2, b, c])).toEqual([
      undefined,
      undefined,
      undefined,
      'no such workflow',
    ]);
  });

  it('refuses a holder the check did not answer for, and fails only the batch whose check failed', async () => {
    const m = manualAsk();
    const checks = new HolderChecks(m.ask);
    const a = checks.refusal('p2v/a');
    const b = checks.refusal('p2v/b');
    await tick();
    m.answers[0]!([]);
    await tick();
    m.fail[1]!(new Error('describe failed'));
    expect(await a).toBe('the check did not answer for it');
    await expect(b).rejects.toThrow('describe failed');
    // A later question about the same holder is asked anew.
    const again = checks.refusal('p2v/b');
    await tick();
    expect(m.calls.at(-1)).toEqual(['p2v/b']);
    m.answers[2]!([{ holder: 'p2v/b' }]);
    expect(await again).toBeUndefined();
  });
});
