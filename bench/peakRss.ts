import { readFileSync } from 'node:fs';

/** A memory field of `/proc/<pid>/status` (`VmHWM`, `VmRSS`, …) in MB (0 once it has exited, or off Linux). */
export function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** VmHWM: a process's peak resident set, in MB (0 once it has exited, or off Linux). */
export function peakRss(pid: number): number {
  return procStatusMb(pid, 'VmHWM');
}
