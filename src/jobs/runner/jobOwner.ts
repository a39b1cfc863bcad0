import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Who holds a lease: host, process id and a random tag (a restarted process may reuse a pid). */
export function newJobOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * True when `owner` is a process on this host that no longer exists: a `resume` may take the
 * job over at once instead of waiting for the dead process's lease to run out. Unknown hosts
 * and live (or unknowable) processes answer false, which only means waiting.
 */
export function isDeadLocalOwner(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pidText] = owner.split('/');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ESRCH';
  }
}
