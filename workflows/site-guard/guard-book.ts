import {
  EMPTY_MEMORY,
  type GuardEvent,
  type GuardMemory,
  type RoundObservation,
} from '../../domain/guard/guard-decision';
import type { GuardEventRecord, GuardStatus } from './guard-messages';

/** How many events the status keeps (oldest dropped first), so the carried state stays small. */
const EVENTS_KEPT = 50;

/** What one run of the guard hands to the next when it continues as new. */
export interface GuardCarry {
  readonly memory: GuardMemory;
  readonly status: GuardStatus;
  readonly eventSeq: number;
}

/**
 * The guard's state between rounds: its judgement memory and the status its query serves. Plain
 * data, no I/O.
 */
export class GuardBook {
  memory: GuardMemory;
  status: GuardStatus;
  eventSeq: number;
  inFlight = 0;

  constructor(site: string, carry: GuardCarry | undefined) {
    this.memory = carry?.memory ?? EMPTY_MEMORY;
    this.eventSeq = carry?.eventSeq ?? 0;
    this.status = carry?.status ?? {
      site,
      state: 'watching',
      rounds: 0,
      suspects: {},
      events: [],
      pendingApprovals: [],
      notifications: { sent: 0, failed: 0 },
    };
  }

  carry(): GuardCarry {
    return { memory: this.memory, status: this.status, eventSeq: this.eventSeq };
  }

  private set(patch: Partial<GuardStatus>): void {
    const next = { ...this.status, ...patch };
    const pendingApprovals = next.events.flatMap((e) =>
      e.actions
        .filter((a) => a.state === 'awaiting-approval' && a.run !== undefined)
        .map((a) => a.run!),
    );
    const state: GuardStatus['state'] = next.paused
      ? 'paused'
      : this.inFlight > 0
        ? 'acting'
        : next.lastProbe?.doubt
          ? 'doubtful'
          : 'watching';
    this.status = { ...next, pendingApprovals, state };
  }

  pause(at: string, by?: string, reason?: string): void {
    this.set({ paused: { at, ...(by && { by }), ...(reason && { reason }) } });
  }

  /**
   * Streaks counted before a pause are stale: the next round starts counting again. Machines
   * already acted on stay handled.
   */
  resume(): void {
    this.memory = { ...this.memory, failed: {}, bmcOnly: {} };
    const { paused: _, ...rest } = this.status;
    this.status = rest;
    this.set({});
  }

  recordRound(
    at: string,
    round: RoundObservation | undefined,
    memory: GuardMemory,
    doubt: string | undefined,
  ): void {
    this.memory = memory;
    const lastProbe =
      round === undefined
        ? {
            at,
            machines: 0,
            guarded: 0,
            bmcDark: 0,
            personasDown: 0,
            switchesDown: 0,
            ...(doubt && { doubt }),
          }
        : {
            at,
            machines: round.machines.length,
            guarded: round.machines.filter((m) => m.persona !== undefined).length,
            bmcDark: round.machines.filter((m) => !m.bmcAnswers).length,
            personasDown: round.machines.filter((m) => m.personaHealthy === false).length,
            switchesDown: round.switches.filter((s) => !s.answers).length,
            ...(doubt && { doubt }),
          };
    this.set({ lastProbe, rounds: this.status.rounds + 1, suspects: memory.failed });
  }

  openEvent(event: GuardEvent, at: string): string {
    this.eventSeq += 1;
    const id = `e${this.eventSeq}`;
    const record: GuardEventRecord = {
      id,
      kind: event.kind,
      racks: event.racks,
      machines: event.machines,
      at,
      actions: [],
    };
    this.set({ events: [...this.status.events, record].slice(-EVENTS_KEPT) });
    return id;
  }

  /** Replaces the action of `eventId` that has the same kind and approval (or adds it). */
  updateAction(eventId: string, action: GuardEventRecord['actions'][number]): void {
    const events = this.status.events.map((e) =>
      e.id !== eventId
        ? e
        : {
            ...e,
            actions: [
              ...e.actions.filter(
                (a) => !(a.kind === action.kind && a.approval === action.approval),
              ),
              action,
            ],
          },
    );
    this.set({ events });
  }

  noteNotification(ok: boolean, error?: string): void {
    const n = this.status.notifications;
    this.set({
      notifications: ok
        ? { ...n, sent: n.sent + 1 }
        : { ...n, failed: n.failed + 1, ...(error && { lastError: error }) },
    });
  }

  refresh(): void {
    this.set({});
  }
}
