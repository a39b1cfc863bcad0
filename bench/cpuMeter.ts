import { readFileSync } from 'node:fs';
import pg from 'pg';

export type CpuSeconds = Record<string, number | null>;

/**
 * CPU seconds spent by the given processes and by the PostgreSQL backends serving one database
 * (`postgres`), over a window. On a shared 2-core machine throughput moves with whatever else
 * runs; CPU per unit of work does not, so the tables show both. Read from /proc: a value is
 * null when that is not possible (PostgreSQL on another machine, no /proc).
 */
export async function startCpuMeter(databaseUrl: string, processes: Record<string, number>): Promise<{ stop(): Promise<CpuSeconds> }> {
  const database = new URL(databaseUrl).pathname.slice(1);
  const backends = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
      return rows.map((r) => r.pid);
    } finally {
      await client.end();
    }
  };
  const processesBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processCpuSeconds(pid)]));
  const backendsBefore = new Map<number, number>();
  for (const pid of await backends()) backendsBefore.set(pid, processCpuSeconds(pid) ?? 0);
  return {
    async stop() {
      const used: CpuSeconds = {};
      for (const [name, pid] of Object.entries(processes)) {
        const before = processesBefore[name];
        const now = processCpuSeconds(pid);
        used[name] = before === null || before === undefined || now === null ? null : now - before;
      }
      let postgres: number | null = 0;
      for (const pid of await backends()) {
        const now = processCpuSeconds(pid);
        // A backend may end between the listing and the read; one we cannot read at all means no /proc.
        if (now === null) continue;
        postgres += now - (backendsBefore.get(pid) ?? 0);
      }
      used.postgres = backendsBefore.size === 0 && postgres === 0 ? null : postgres;
      return used;
    },
  };
}

/** utime + stime of a process, in seconds (Linux clock ticks are 1/100 s); null when unreadable. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
