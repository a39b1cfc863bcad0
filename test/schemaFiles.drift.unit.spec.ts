import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMAS_DIR, schemaFiles } from '../src/schemaFiles.ts';
import { REPO_ROOT } from './support/serviceProcess.ts';

describe('the checked-in event schemas and AsyncAPI document', () => {
  const files = schemaFiles();

  it.each([...files.keys()])('%s equals what the zod schemas generate (else: npm run schemas)', (path) => {
    const onDisk = existsSync(join(REPO_ROOT, path)) ? readFileSync(join(REPO_ROOT, path), 'utf8') : '(missing)';
    expect(onDisk, `${path} is stale: run npm run schemas and commit the result`).toBe(files.get(path));
  });

  it('has no schema of a type the code does not have', () => {
    const onDisk = readdirSync(join(REPO_ROOT, SCHEMAS_DIR, 'events')).map((name) => `${SCHEMAS_DIR}/events/${name}`);
    expect(onDisk.filter((path) => !files.has(path))).toEqual([]);
  });
});
