import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on Linux). */
const CLK_TCK = 100;

export interface ProcSample {
  /** CPU time so far, user + system, in seconds. */
  readonly cpuSeconds: number;
  readonly rssMiB: number;
  /** The kernel's high-water mark of the resident set (VmHWM). */
  readonly peakRssMiB: number;
}

/** What /proc says about one process now; undefined once it is gone. */
export function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at ")"; utime and stime are the
    // 14th and 15th fields of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return {
      cpuSeconds: ticks / CLK_TCK,
      rssMiB: kib('VmRSS') / 1024,
      peakRssMiB: kib('VmHWM') / 1024,
    };
  } catch {
    return undefined;
  }
}

/** The child processes of `parent` whose command name is `comm` (e.g. the Temporal CLI). */
export function childPids(parent: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * CPU used and peak RSS of a process between `start()` and `stop()`: CPU as the difference of
 * its counters, peak as the highest VmRSS seen every `everyMs` (VmHWM counts from the process's
 * start, which for a reused server includes what came before).
 */
export function watchProcess(pid: number, everyMs = 250) {
  const first = procSample(pid);
  let peak = first?.rssMiB ?? 0;
  let last = first;
  const timer = setInterval(() => {
    const s = procSample(pid);
    if (s === undefined) return;
    last = s;
    peak = Math.max(peak, s.rssMiB);
  }, everyMs);
  timer.unref();
  return {
    stop(): { cpuSeconds: number; peakRssMiB: number; hwmMiB: number } {
      clearInterval(timer);
      const end = procSample(pid) ?? last;
      return {
        cpuSeconds: (end?.cpuSeconds ?? 0) - (first?.cpuSeconds ?? 0),
        peakRssMiB: Math.max(peak, end?.rssMiB ?? 0),
        hwmMiB: end?.peakRssMiB ?? NaN,
      };
    },
  };
}
