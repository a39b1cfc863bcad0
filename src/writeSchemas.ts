// `npm run schemas`: regenerates the checked-in event schemas and AsyncAPI document from the
// zod schemas (src/ledger/events.ts), removing files of types that are no longer generated.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMAS_DIR, schemaFiles } from './schemaFiles.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = schemaFiles();
const eventsDir = join(root, SCHEMAS_DIR, 'events');
mkdirSync(eventsDir, { recursive: true });
for (const name of readdirSync(eventsDir)) {
  if (!files.has(`${SCHEMAS_DIR}/events/${name}`)) rmSync(join(eventsDir, name));
}
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
console.log(`wrote ${files.size} files under ${SCHEMAS_DIR}/`);
