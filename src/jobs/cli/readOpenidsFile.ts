import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/**
 * The lines of an openids file (one openid a line), streamed: a million lines never sit in
 * memory at once. The file is opened only when iteration starts — readline drops lines emitted
 * before anyone iterates, and the job's transaction begins in between.
 */
export async function readOpenidsFile(path: string): Promise<AsyncIterable<string>> {
  await access(path); // fail before the job is created, with the file's name in the message
  return (async function* lines() {
    yield* createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  })();
}
