import { readFileSync } from 'node:fs';

/** VmHWM: a process's peak resident set, in MB (0 once it has exited, or off Linux). */
export function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}
