import { LedgerBook } from '../../workflows/ledger/ledger-book';
import { LeaseConflictError, LeaseRequiredError } from '../../workflows/ledger/ledger-errors';
import { machineInputSchema } from '../../domain/ledger/ledger-inputs';

const T = '2026-11-25T00:00:00.000Z';

describe('LedgerBook', () => {
  it('grants leases all or nothing', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-a', ['machine:m1'], 'test', T);
    expect(() => book.acquire('run-b', ['machine:m2', 'machine:m1'], 'test', T)).toThrow(
      LeaseConflictError,
    );
    expect(book.snapshot().leases['machine:m2']).toBeUndefined();
    expect(() => book.acquire('run-b', ['machine:m1'], 'test', T)).toThrow(
      expect.objectContaining({
        name: 'LeaseConflictError',
        conflicts: [{ resource: 'machine:m1', holder: 'run-a' }],
      }),
    );
  });

  it('a machine update naming no role keeps the role (a dead host stays a host of its cluster)', () => {
    const book = new LedgerBook({ site: 'dc1' });
    const set = (raw: Record<string, unknown>) => {
      const { holder: _holder, forget: _forget, ...update } = machineInputSchema.parse(raw);
      return book.setMachine(update, T);
    };
    set({ holder: 't', machine: 'h1', power: 'on', role: 'hypervisor', cluster: 'c1' });
    set({ holder: 't', machine: 'h1', power: 'unknown', healthy: false });
    expect(book.snapshot().machines['h1']).toMatchObject({
      power: 'unknown',
      healthy: false,
      role: 'hypervisor',
      cluster: 'c1',
    });
  });

  it('re-acquiring its own lease is idempotent and changes nothing', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-a', ['machine:m1', 'persona:p1'], 'test', T);
    const v = book.version;
    expect(book.acquire('run-a', ['machine:m1'], 'test', T)).toEqual(['machine:m1']);
    expect(book.version).toBe(v);
  });

  it("releases only the holder's leases", () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-a', ['machine:m1', 'machine:m2'], '', T);
    book.acquire('run-b', ['machine:m3'], '', T);
    expect(book.release('run-a', ['machine:m1', 'machine:m3'])).toEqual(['machine:m1']);
    expect(book.release('run-a')).toEqual(['machine:m2']);
    expect(book.release('run-a')).toEqual([]);
    expect(Object.keys(book.snapshot().leases)).toEqual(['machine:m3']);
  });

  it('reclaims the leases of ended runs only', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-dead', ['machine:m1'], '', T);
    book.acquire('run-live', ['machine:m2'], '', T);
    expect(book.reclaim(new Set(['run-dead'])).map((l) => l.resource)).toEqual(['machine:m1']);
    expect(book.acquire('run-new', ['machine:m1'], '', T)).toEqual(['machine:m1']);
    expect(() => book.acquire('run-new', ['machine:m2'], '', T)).toThrow(LeaseConflictError);
  });

  it('changes placements and boot assignments only for the lease holder, returning the previous value', () => {
    const book = new LedgerBook({ site: 'dc1' });
    expect(() => book.place('run-a', 'web-01', { kind: 'machine', machine: 'm1' })).toThrow(
      LeaseRequiredError,
    );
    book.acquire('run-a', ['persona:web-01', 'machine:m1'], '', T);
    expect(book.place('run-a', 'web-01', { kind: 'machine', machine: 'm1' })).toBeNull();
    expect(book.place('run-a', 'web-01', { kind: 'vm', host: 'h1' })).toEqual({
      kind: 'machine',
      machine: 'm1',
    });
    const a = { mac: '52:54:00:00:00:01', machine: 'm1', persona: 'web-01', image: 'img' };
    expect(book.setBoot('run-a', a.mac, 'm1', a)).toBeNull();
    expect(book.setBoot('run-a', a.mac, 'm1', null)).toEqual(a);
    expect(() => book.setBoot('run-b', a.mac, 'm1', a)).toThrow(LeaseRequiredError);
  });

  it('keeps the machine record fields it is not told to change', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.setMachine({ machine: 'm1', power: 'on', role: 'hypervisor', healthy: true }, T);
    book.setMachine({ machine: 'm1', power: 'off' }, T);
    expect(book.snapshot().machines.m1).toEqual({
      machine: 'm1',
      power: 'off',
      role: 'hypervisor',
      healthy: true,
      updatedAt: T,
    });
  });

  it("keeps a host's cluster while it stays a host, and drops it when the machine takes another role", () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.setMachine({ machine: 'm1', power: 'on', role: 'hypervisor', cluster: 'c1' }, T);
    book.setMachine({ machine: 'm1', power: 'off' }, T);
    expect(book.snapshot().machines.m1).toMatchObject({ role: 'hypervisor', cluster: 'c1' });
    book.setMachine({ machine: 'm1', role: 'idle' }, T);
    expect(book.snapshot().machines.m1).toEqual({
      machine: 'm1',
      power: 'off',
      role: 'idle',
      updatedAt: T,
    });
  });

  it('round-trips its state (continue-as-new) unchanged', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-a', ['persona:p1'], 'x', T);
    book.place('run-a', 'p1', { kind: 'machine', machine: 'm1' });
    const again = new LedgerBook(book.snapshot());
    expect(again.snapshot()).toEqual(book.snapshot());
  });
});

describe('LedgerBook undo support', () => {
  it('forgets a first placement and a first machine record, so an undo leaves no trace', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-a', ['persona:p1'], '', T);
    const before = book.snapshot();
    const previous = book.place('run-a', 'p1', { kind: 'machine', machine: 'm1' });
    book.place('run-a', 'p1', previous);
    expect(book.snapshot().placements).toEqual(before.placements);
    expect(book.setMachine({ machine: 'm9', power: 'on' }, T)).toBeNull();
    expect(book.forgetMachine('m9')).toMatchObject({ machine: 'm9', power: 'on' });
    expect(book.snapshot().machines).toEqual({});
  });

  it('keeps an explicit none placement (stopped by a run) apart from never placed', () => {
    const book = new LedgerBook({ site: 'dc1' });
    book.acquire('run-a', ['persona:p1'], '', T);
    book.place('run-a', 'p1', { kind: 'none' });
    expect(book.snapshot().placements.p1).toEqual({ kind: 'none' });
  });
});
