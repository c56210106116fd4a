import type { BootAssignment } from '../../inventory/ledger-records';

export type { BootAssignment };

/**
 * Durable MAC → boot assignment map behind `GET /boot/ipxe` (records shaped like the
 * ledger's, so the ledger can serve the same interface). MACs are validated and lower-cased;
 * every change returns what it replaced, so a compensation can put it back.
 */
export interface BootAssignmentStore {
  get(mac: string): Promise<BootAssignment | undefined>;
  set(assignment: BootAssignment): Promise<BootAssignment | undefined>;
  delete(mac: string): Promise<BootAssignment | undefined>;
  list(): Promise<Readonly<Record<string, BootAssignment>>>;
}
