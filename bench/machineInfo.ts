import os from 'node:os';
import pg from 'pg';

/** One line naming what the figures were measured on, printed before every table. */
export async function machineInfo(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const setting = async (name: string) => (await client.query<{ value: string }>(`select current_setting($1) as value`, [name])).rows[0]!.value;
    const version = (await setting('server_version')).split(' ')[0];
    const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
    const memory = Math.round(os.totalmem() / 2 ** 30);
    return `${os.cpus().length} cores (${cpu}), ${memory} GiB, Node ${process.version}, PostgreSQL ${version} (fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}, shared_buffers=${await setting('shared_buffers')})`;
  } finally {
    await client.end();
  }
}
