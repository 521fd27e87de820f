import { readFileSync } from 'node:fs';

// USER_HZ is 100 on every Linux the project runs on (`getconf CLK_TCK`).
const TICK_MS = 10;

/** User + system CPU time of a process so far, ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Resident set size of a process, bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Peak resident set size so far (VmHWM), bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** `read` summed over several processes (a cluster's primary and workers); one that is gone counts 0. */
function sumOver(pids: number[], read: (pid: number) => number): number {
  return pids.reduce((sum, pid) => {
    try {
      return sum + read(pid);
    } catch {
      return sum;
    }
  }, 0);
}

export const totalCpuMs = (pids: number[]): number => sumOver(pids, cpuMs);
export const totalRssBytes = (pids: number[]): number => sumOver(pids, rssBytes);

/** A CPU meter over a window (one process, or a cluster's processes together): share of one core and total ms. */
export function cpuMeter(pids: number | number[]) {
  const all = typeof pids === 'number' ? [pids] : pids;
  const cpu0 = totalCpuMs(all);
  const t0 = performance.now();
  return () => {
    const cpu = totalCpuMs(all) - cpu0;
    const wall = performance.now() - t0;
    return { cpuMs: cpu, wallMs: wall, share: wall > 0 ? cpu / wall : 0 };
  };
}

/** Busy and total CPU time of the whole machine so far, ms (all cores), from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy * TICK_MS, total: (busy + idle! + iowait!) * TICK_MS };
}

/**
 * Waits (at most `maxMs`) until the machine has been mostly idle for a second: the machine is
 * shared, and a compile running next to a measurement would be read as GhostChat's cost.
 */
export async function waitForQuiet(maxMs: number, maxBusyShare = 0.25): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = performance.now();
  for (;;) {
    const a = machineCpuMs();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineCpuMs();
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    const waitedMs = performance.now() - started;
    if (busy <= maxBusyShare) return { waitedMs, quiet: true };
    if (waitedMs >= maxMs) return { waitedMs, quiet: false };
  }
}
