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

/** A CPU meter over a window: share of one core and total ms. */
export function cpuMeter(pid: number) {
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  return () => {
    const cpu = cpuMs(pid) - cpu0;
    const wall = performance.now() - t0;
    return { cpuMs: cpu, wallMs: wall, share: wall > 0 ? cpu / wall : 0 };
  };
}
