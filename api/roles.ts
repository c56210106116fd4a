import { z } from 'zod';

/**
 * Who may do what. Ordered: each role may do all the one before it may. The drill operator is
 * SRM's split of the right to test a recovery plan from the right to run it: it may start,
 * cancel and schedule drills, nothing that touches production.
 */
export const ROLES = ['viewer', 'drill-operator', 'operator', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** The runbooks a drill operator may start, cancel and schedule. */
export const DRILL_RUNBOOKS: readonly string[] = ['dr-drill'];

export type Action =
  /** Every GET. */
  | { readonly kind: 'read' }
  /** Start a run of a runbook, or cancel one; a schedule's creation and trigger count as starts. */
  | { readonly kind: 'run'; readonly runbook: string }
  /** Answer a failover's approval. */
  | { readonly kind: 'approve' }
  /** `force` a runbook past a guard (power a machine whose persona runs). */
  | { readonly kind: 'force' }
  /** Pause, unpause or delete a schedule; manage tokens and inventory. */
  | { readonly kind: 'administer' }
  /**
   * Decrypt payloads through the codec server (POST /codec/decode, for the Temporal UI and CLI).
   * Not every reader: it decrypts any payload of the namespace, also one copied out of a database
   * backup, which the encryption is there to protect.
   */
  | { readonly kind: 'decode-payloads' }
  /** Encrypt payloads (POST /codec/encode): makes input the workers accept as rackshift's own. */
  | { readonly kind: 'encode-payloads' };

const rank = (role: Role): number => ROLES.indexOf(role);

export function allows(role: Role, action: Action): boolean {
  switch (action.kind) {
    case 'read':
      return true;
    case 'run':
      return (
        rank(role) >= rank('operator') ||
        (role === 'drill-operator' && DRILL_RUNBOOKS.includes(action.runbook))
      );
    case 'approve':
    case 'force':
    case 'decode-payloads':
      return rank(role) >= rank('operator');
    case 'administer':
    case 'encode-payloads':
      return role === 'admin';
  }
}

export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'read':
      return 'read';
    case 'run':
      return `run or schedule the ${action.runbook} runbook`;
    case 'approve':
      return 'approve or reject a run';
    case 'force':
      return 'force a runbook past its guard';
    case 'administer':
      return 'manage schedules, tokens and inventory';
    case 'decode-payloads':
      return 'decrypt payloads through the codec server';
    case 'encode-payloads':
      return 'encrypt payloads through the codec server';
  }
}

/** The lowest roles that may, for the 403's message. */
export function rolesAllowed(action: Action): Role[] {
  return ROLES.filter((r) => allows(r, action));
}
