import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import * as tar from 'tar';
import { z } from 'zod';

/**
 * A freshly initialised PGlite data directory, shipped with the package, so a first start copies
 * files instead of running initdb.
 *
 * Why: PGlite's initdb runs inside the process, in two WebAssembly instances of its own (a scratch
 * PGlite on an in-memory file system, and initdb) beside the service's, and holds the whole new
 * cluster in JavaScript memory twice (the in-memory files and the tarball they are dumped to).
 * Measured before the template (its initdb fallback, polling /proc; bench/README.md, `first-start`): a first start
 * peaked at 865–926 MB resident and sat at 433–464 MB, against 326–339 MB and 296–309 MB for
 * later starts. Seeded from this template, a first start costs about what a later one does.
 *
 * The template is the directory PGlite's initdb makes (writeTemplate: the same runInitdb a first
 * start without it runs, shut down cleanly), so a directory seeded from it and one made by
 * initdb are the same cluster but for the system identifier and timestamps in `pg_control` —
 * every embedded install seeded from one template shares its system identifier, which
 * PostgreSQL uses only for physical replication, which PGlite does not have. It must match the installed PGlite: the manifest
 * records the PGlite version it was made with, a mismatch (PGlite upgraded without
 * `npm run pglite-template`) falls back to initdb with a warning, and a test fails on it.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const TEMPLATE_FILE = join(here, 'pgliteTemplate', 'datadir.tar.br');
export const MANIFEST_FILE = join(here, 'pgliteTemplate', 'manifest.json');

const Manifest = z.object({
  /** The npm version of @electric-sql/pglite that made the template. */
  pglite: z.string(),
  /** `show server_version` of that PGlite. */
  postgres: z.string(),
  /** sha256 of the compressed file, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});
export type Manifest = z.infer<typeof Manifest>;

export type TemplateLocation = { file: string; manifest: string };
const BUNDLED: TemplateLocation = { file: TEMPLATE_FILE, manifest: MANIFEST_FILE };

/** The installed @electric-sql/pglite's version (its package.json is not exported: found beside its entry point). */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the version of @electric-sql/pglite (resolved to ${entry})`);
    dir = parent;
  }
}

/**
 * The template's tarball, uncompressed, or why it cannot be used (then the caller runs initdb):
 * missing, made by another PGlite version, or damaged (its digest differs from the manifest's).
 */
export function readTemplate(location: TemplateLocation = BUNDLED, pgliteVersion = installedPgliteVersion()): { tar: Buffer } | { unusable: string } {
  if (!existsSync(location.manifest) || !existsSync(location.file)) return { unusable: `no PGlite data directory template at ${location.file}` };
  const manifest = Manifest.safeParse(JSON.parse(readFileSync(location.manifest, 'utf8')));
  if (!manifest.success) return { unusable: `the PGlite template's manifest ${location.manifest} is not valid` };
  if (manifest.data.pglite !== pgliteVersion) {
    return { unusable: `the PGlite template was made with PGlite ${manifest.data.pglite}, but ${pgliteVersion} is installed (run \`npm run pglite-template\`)` };
  }
  const compressed = readFileSync(location.file);
  if (createHash('sha256').update(compressed).digest('hex') !== manifest.data.sha256) return { unusable: `the PGlite template ${location.file} is damaged (its sha256 differs from the manifest's)` };
  return { tar: brotliDecompressSync(compressed) };
}

/**
 * Unpacks the template into `dataDir` (which holds no cluster yet; files of an interrupted earlier
 * attempt are overwritten). `PG_VERSION`, which PGlite takes to mean "a cluster is here", is
 * written last, so a process killed halfway leaves a directory the next start seeds again.
 * (Embedded PGlite runs with fsync off, so this is about a crashed process, not a power cut.)
 */
export async function unpackTemplate(tarball: Buffer, dataDir: string): Promise<void> {
  const problems: string[] = [];
  const extract = (filter: (path: string) => boolean) =>
    pipeline(
      Readable.from([tarball]),
      tar.x({ cwd: dataDir, preserveOwner: false, noMtime: true, filter, onwarn: (code, message) => void problems.push(`${code}: ${String(message)}`) }),
    );
  await extract((path) => path !== 'PG_VERSION');
  if (problems.length > 0) throw new Error(`the PGlite template could not be unpacked into ${dataDir}: ${problems.join('; ')}`);
  await extract((path) => path === 'PG_VERSION');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) throw new Error(`the PGlite template has no PG_VERSION: ${dataDir} was not seeded`);
}

/**
 * Makes the template from the installed PGlite (`npm run pglite-template`): initdb into a scratch
 * directory exactly as a first start without a template does (runInitdb), the cluster opened
 * once for its version and closed again — so it is shut down cleanly, with no `postmaster.pid`,
 * and a seeded start needs no crash recovery — then that directory, tarred.
 */
export async function writeTemplate(location: TemplateLocation = BUNDLED): Promise<Manifest> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { runInitdb } = await import('./initPgliteDir.ts');
  const scratch = mkdtempSync(join(tmpdir(), 'pglite-template-'));
  try {
    const dataDir = join(scratch, 'data');
    await runInitdb(dataDir, PGlite.defaultStartParams);
    const pg = new PGlite(dataDir);
    const postgres = (await pg.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    await pg.close();
    rmSync(join(dataDir, 'postmaster.pid'), { force: true });
    const chunks: Buffer[] = [];
    const entries = readdirSync(dataDir).sort();
    await pipeline(tar.c({ cwd: dataDir, portable: true, noMtime: true }, entries), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) chunks.push(chunk);
    });
    const tarball = Buffer.concat(chunks);
    // Brotli with a 16 MB window finds the three databases' near-identical files in one another:
    // 1.3 MB against gzip's 4.2 MB for the same 40 MB tarball (and 50 ms to decompress).
    const compressed = brotliCompressSync(tarball, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_LGWIN]: 24, [zlib.BROTLI_PARAM_SIZE_HINT]: tarball.length },
    });
    const manifest: Manifest = { pglite: installedPgliteVersion(), postgres, sha256: createHash('sha256').update(compressed).digest('hex'), bytes: compressed.length };
    writeFileSync(location.file, compressed);
    writeFileSync(location.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
