import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { initPgliteDir } from '../../src/ledger/initPgliteDir.ts';
import { MANIFEST_FILE, TEMPLATE_FILE, installedPgliteVersion, readTemplate, type TemplateLocation } from '../../src/ledger/pgliteTemplate.ts';
import { openStorage } from '../../src/ledger/openStorage.ts';
import { migrateToLatest } from '../../src/ledger/migrate.ts';

const root = mkdtempSync(join(tmpdir(), 'pglite-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
let n = 0;
const freshDir = () => join(root, `d${++n}`);
const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/** What makes two clusters the same to the service: databases, locale, catalog, storage layout. */
async function describeCluster(pg: PGlite) {
  const q = async (text: string) => (await pg.query(text)).rows;
  return {
    databases: await q(`select datname, datistemplate, datallowconn, pg_encoding_to_char(encoding) as encoding, datcollate, datctype, datlocprovider from pg_database order by datname`),
    control: await q(`select pg_control_version, catalog_version_no from pg_control_system()`),
    settings: await q(
      `select name, setting from pg_settings where name in ('server_version_num', 'server_encoding', 'lc_collate', 'lc_ctype', 'lc_messages', 'lc_monetary', 'lc_numeric', 'lc_time', 'wal_segment_size', 'block_size', 'data_checksums') order by name`,
    ),
    catalog: await q(`select n.nspname, count(*)::int as relations from pg_class c join pg_namespace n on n.oid = c.relnamespace group by 1 order by 1`),
    functions: await q(`select count(*)::int as n from pg_proc`),
    roles: await q(`select rolname, rolsuper from pg_roles order by 1`),
  };
}

describe('the bundled PGlite data directory template', () => {
  it('was made by the installed PGlite (after upgrading PGlite, run `npm run pglite-template`)', () => {
    const found = readTemplate();
    expect('unusable' in found ? found.unusable : 'usable').toBe('usable');
    expect(JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')).pglite).toBe(installedPgliteVersion());
  });

  it('seeds a first start with the cluster initdb would have made, and the service opens and migrates it', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    expect(await initPgliteDir(dir, startParams)).toBe('template');
    // A cluster shut down cleanly, as initdb leaves it: no pid file of the process that made it.
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
    const seeded = new PGlite(dir, { startParams });
    const byInitdb = new PGlite({ startParams }); // memory: PGlite's own initdb
    try {
      expect(await describeCluster(seeded)).toEqual(await describeCluster(byInitdb));
    } finally {
      await seeded.close();
      await byInitdb.close();
    }
    expect(await initPgliteDir(dir, startParams)).toBe('existing');
    const storage = await openStorage({ databaseUrl: null, dataDir: dir });
    try {
      const migrated = await migrateToLatest(storage.db);
      expect(migrated.error).toBeUndefined();
      const rows = await storage.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).execute();
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it('finishes a seeding a killed process left halfway (no PG_VERSION yet, a file half written)', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'base', '1'), { recursive: true });
    writeFileSync(join(dir, 'base', '1', '1255'), 'half a file');
    expect(await initPgliteDir(dir, startParams)).toBe('template');
    expect(statSync(join(dir, 'base', '1', '1255')).size % 8192).toBe(0);
    const pg = new PGlite(dir, { startParams });
    try {
      expect((await pg.query<{ n: number }>(`select count(*)::int as n from pg_proc`)).rows[0]!.n).toBeGreaterThan(1000);
    } finally {
      await pg.close();
    }
  });

  it('is refused when damaged or made by another PGlite version, and a first start then runs initdb, with a warning', async () => {
    const damaged: TemplateLocation = { file: join(root, 'damaged.tar.br'), manifest: join(root, 'damaged.json') };
    const bytes = readFileSync(TEMPLATE_FILE);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(damaged.file, bytes);
    copyFileSync(MANIFEST_FILE, damaged.manifest);
    expect(readTemplate(damaged)).toEqual({ unusable: expect.stringMatching(/damaged/) });

    const older: TemplateLocation = { file: join(root, 'older.tar.br'), manifest: join(root, 'older.json') };
    copyFileSync(TEMPLATE_FILE, older.file);
    writeFileSync(older.manifest, JSON.stringify({ ...JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')), pglite: '0.0.1' }));
    expect(readTemplate(older)).toEqual({ unusable: expect.stringMatching(/made with PGlite 0\.0\.1.*npm run pglite-template/) });
    expect(readTemplate({ file: join(root, 'none.tar.br'), manifest: join(root, 'none.json') })).toEqual({ unusable: expect.stringMatching(/no PGlite data directory template/) });

    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const dir = freshDir();
    mkdirSync(dir);
    expect(await initPgliteDir(dir, startParams, older)).toBe('initdb');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/made with PGlite 0\.0\.1.*running initdb instead/), expect.objectContaining({ code: 'LEDGER_PGLITE_TEMPLATE' }));
    const pg = new PGlite(dir, { startParams });
    try {
      expect((await pg.query<{ n: number }>(`select count(*)::int as n from pg_database`)).rows[0]!.n).toBe(3);
    } finally {
      await pg.close();
    }
  });
});
