import { readFile } from 'node:fs/promises';
import type { Context } from 'hono';

/**
 * Reads a packaged file once and keeps it: the pages' assets (/docs, /dashboard) come from npm
 * packages and this repository, which change only with a deploy.
 */
export function cachedFileReader(): (path: string) => Promise<Buffer> {
  const cache = new Map<string, Promise<Buffer>>();
  return (path) => {
    let body = cache.get(path);
    if (!body) {
      body = readFile(path);
      cache.set(path, body);
    }
    return body;
  };
}

/** The answer for a file a page does not load: only the listed assets are served. */
export function assetNotFound(c: Context, file: string): Response {
  return c.json({ error: { code: 'not_found', message: `no such asset: ${file}` } }, 404);
}
