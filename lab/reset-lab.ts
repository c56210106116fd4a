import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LabRunningError, runningLabPid } from './lab-lock';
import { LAB_STATE_FILE } from './lab-state-file';

/** What a reset removed, for the operator. */
export interface LabResetResult {
  readonly labDir: string;
  /** False when the folder held no lab state (never started, or already reset). */
  readonly hadState: boolean;
}

/**
 * Returns the lab on `labDir` to the topology's first state: its state file and volume bytes
 * are removed, so the next start builds every peer from the topology again. Credentials
 * (secrets.yaml) are kept: they are the data center's, and workers may hold them. Refused
 * while a lab runs on the folder. The ledger is not the lab's: see docs/lab.md.
 */
export function resetLab(labDir: string): LabResetResult {
  const pid = runningLabPid(labDir);
  if (pid !== undefined) throw new LabRunningError(labDir, pid, 'reset it');
  const state = join(labDir, LAB_STATE_FILE);
  const hadState = existsSync(state);
  rmSync(state, { force: true });
  rmSync(join(labDir, 'volumes'), { recursive: true, force: true });
  return { labDir, hadState };
}
