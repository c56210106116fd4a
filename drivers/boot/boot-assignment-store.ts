import type { BootAssignment } from '../../inventory/ledger-records';

export type { BootAssignment };

/**
 * Answers `GET /boot/ipxe`: the boot assignment of a MAC, if any. Runbooks write assignments in
 * the site ledger under the machine's lease (and undo them there); the API reads them back
 * (api/ledger-boot-assignments.ts).
 */
export interface BootAssignmentStore {
  get(mac: string): Promise<BootAssignment | undefined>;
}
