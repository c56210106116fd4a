import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The machine a result was measured on. The bench machine is shared, so the load average at the
 * time is part of every result (`uptime` as it printed).
 */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly loadavg: readonly number[];
  readonly uptime: string;
}

export function machineInfo(): MachineInfo {
  const gib = (b: number): number => Math.round((b / 2 ** 30) * 10) / 10;
  let uptime = '';
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    uptime = 'uptime unavailable';
  }
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    uptime,
  };
}

/**
 * Writes a benchmark's results as JSON: to `out` when given, else to
 * bench/results/<name>-<UTC time>.json. Returns the path written.
 */
export function writeResults(name: string, results: unknown, out?: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = out ?? join(__dirname, 'results', `${name}-${stamp}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const body = { benchmark: name, at: new Date().toISOString(), machine: machineInfo(), results };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
