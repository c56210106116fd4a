import {
  type BootAssignment,
  type Lease,
  type LedgerState,
  ledgerStateSchema,
  type MachineRecord,
  machineResource,
  personaResource,
  type Placement,
} from '../../inventory/ledger-records';
import { LeaseConflictError, LeaseRequiredError } from './ledger-errors';

/**
 * The ledger's rules, free of Temporal so they can be tested as plain code: all-or-nothing
 * leases with idempotent re-acquire, placements and boot assignments changed only by the
 * lease holder, and a version that counts every change. `now` comes from the caller
 * (workflow time), never from the clock.
 */
export class LedgerBook {
  private state: LedgerState;

  constructor(initial: LedgerState | { site: string }) {
    this.state = ledgerStateSchema.parse(initial);
  }

  snapshot(): LedgerState {
    return JSON.parse(JSON.stringify(this.state)) as LedgerState;
  }

  get version(): number {
    return this.state.version;
  }

  /** Leases on `resources` held by anyone other than `holder`. */
  conflicts(holder: string, resources: readonly string[]): Lease[] {
    return resources
      .map((r) => this.state.leases[r])
      .filter((l): l is Lease => l !== undefined && l.holder !== holder);
  }

  /** Drops leases of holders known to have ended; returns what was dropped. */
  reclaim(endedHolders: ReadonlySet<string>): Lease[] {
    const dropped = Object.values(this.state.leases).filter((l) => endedHolders.has(l.holder));
    for (const l of dropped) delete this.state.leases[l.resource];
    if (dropped.length > 0) this.state.version += 1;
    return dropped;
  }

  /**
   * Personas placed on `machine` (as a machine, not as VMs) other than `except`: checked under
   * the same Update as the lease, so a run that chose a machine while it was free cannot take
   * it after another run has placed a persona there and released its lease.
   */
  occupants(machine: string, except: readonly string[]): string[] {
    return Object.entries(this.state.placements)
      .filter(
        ([persona, p]) =>
          p.kind === 'machine' && p.machine === machine && !except.includes(persona),
      )
      .map(([persona]) => persona)
      .sort();
  }

  /**
   * All or nothing: grants every resource, or throws LeaseConflictError naming each one held by
   * another run, and each `vacant` machine that a persona outside its `except` list occupies.
   */
  acquire(
    holder: string,
    resources: readonly string[],
    purpose: string,
    now: string,
    vacant: ReadonlyArray<{ machine: string; except: readonly string[] }> = [],
  ): string[] {
    const conflicts = [
      ...this.conflicts(holder, resources).map((c) => ({ resource: c.resource, holder: c.holder })),
      ...vacant.flatMap((v) =>
        this.occupants(v.machine, v.except).map((p) => ({
          resource: machineResource(v.machine),
          holder: `persona ${p} placed there`,
        })),
      ),
    ];
    if (conflicts.length > 0) throw new LeaseConflictError(conflicts);
    const unique = [...new Set(resources)];
    let changed = false;
    for (const resource of unique) {
      if (this.state.leases[resource] === undefined) {
        this.state.leases[resource] = { resource, holder, purpose, acquiredAt: now };
        changed = true;
      }
    }
    if (changed) this.state.version += 1;
    return unique;
  }

  /** Releases the holder's leases (only `resources`, when given). Idempotent. */
  release(holder: string, resources?: readonly string[]): string[] {
    const mine = Object.values(this.state.leases).filter(
      (l) => l.holder === holder && (resources === undefined || resources.includes(l.resource)),
    );
    for (const l of mine) delete this.state.leases[l.resource];
    if (mine.length > 0) this.state.version += 1;
    return mine.map((l) => l.resource);
  }

  private requireLease(holder: string, resource: string): void {
    if (this.state.leases[resource]?.holder !== holder)
      throw new LeaseRequiredError(resource, holder);
  }

  placementOf(persona: string): Placement {
    return this.state.placements[persona] ?? { kind: 'none' };
  }

  /**
   * Records where a persona runs; the caller must hold the persona's lease. Returns the previous
   * placement, null when the persona was never placed. An explicit `none` is kept ("stopped by a
   * run" differs from "never placed", which readers may take as "at home"); null forgets the entry.
   */
  place(holder: string, persona: string, placement: Placement | null): Placement | null {
    this.requireLease(holder, personaResource(persona));
    const previous = this.state.placements[persona] ?? null;
    if (placement === null) delete this.state.placements[persona];
    else this.state.placements[persona] = placement;
    this.state.version += 1;
    return previous;
  }

  /**
   * Sets the given fields of a machine's record; returns the record it replaced (null when there
   * was none).
   */
  setMachine(
    update: Omit<MachineRecord, 'updatedAt' | 'power' | 'role'> &
      Partial<Pick<MachineRecord, 'power' | 'role'>>,
    now: string,
  ): MachineRecord | null {
    const prior = this.state.machines[update.machine];
    const role = update.role ?? prior?.role ?? 'idle';
    // Only a host belongs to a cluster: a machine that stops being one leaves it.
    const cluster = role === 'hypervisor' ? (update.cluster ?? prior?.cluster) : undefined;
    const next: MachineRecord = {
      machine: update.machine,
      power: update.power ?? prior?.power ?? 'unknown',
      role,
      ...(cluster !== undefined && { cluster }),
      updatedAt: now,
      ...((update.healthy ?? prior?.healthy) !== undefined && {
        healthy: update.healthy ?? prior?.healthy,
      }),
    };
    this.state.machines[update.machine] = next;
    this.state.version += 1;
    return prior ?? null;
  }

  /**
   * Drops a machine's record (a compensation putting back "never recorded"); returns what it held.
   */
  forgetMachine(machine: string): MachineRecord | null {
    const prior = this.state.machines[machine];
    if (prior === undefined) return null;
    delete this.state.machines[machine];
    this.state.version += 1;
    return prior;
  }

  /**
   * Sets (or with null removes) what a MAC boots; the caller must hold the machine's lease. Returns
   * the previous one.
   */
  setBoot(
    holder: string,
    mac: string,
    machine: string,
    assignment: BootAssignment | null,
  ): BootAssignment | null {
    this.requireLease(holder, machineResource(machine));
    const previous = this.state.bootAssignments[mac] ?? null;
    if (assignment === null) delete this.state.bootAssignments[mac];
    else this.state.bootAssignments[mac] = assignment;
    this.state.version += 1;
    return previous;
  }
}
