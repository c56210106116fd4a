import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RackshiftError } from '../common/errors';

/**
 * Thrown when a lab is started, or reset, on a data folder whose lab runs in another live process.
 */
export class LabRunningError extends RackshiftError {
  override readonly name = 'LabRunningError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    doing: string,
  ) {
    super(
      `the lab on ${dataDir} runs in process ${pid}; stop it (Ctrl-C on \`rackshift dev\` or \`rackshift lab start\`) before you ${doing}`,
      {
        retryable: false,
        context: { dataDir, pid },
      },
    );
  }
}

const PID_FILE = 'lab.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process whose lab runs on `dataDir`, if one does (a pid file left by a killed lab does not
 * count).
 */
export function runningLabPid(dataDir: string): number | undefined {
  const file = join(dataDir, PID_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

/**
 * Marks the data folder as the running lab's, so that a second lab (two processes writing one
 * state file) or a reset under a running lab is refused. Returns the release.
 */
export function lockLabDir(dataDir: string, doing: string): () => void {
  const other = runningLabPid(dataDir);
  if (other !== undefined) throw new LabRunningError(dataDir, other, doing);
  const file = join(dataDir, PID_FILE);
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(process.pid))
      rmSync(file, { force: true });
  };
}
