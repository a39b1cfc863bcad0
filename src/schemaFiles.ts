import { eventJsonSchemas } from './ledger/eventSchemas.ts';
import { asyncapiDocument } from './bus/asyncapiDocument.ts';

/** Where the generated contract files live, relative to the repository root. */
export const SCHEMAS_DIR = 'schemas';

/**
 * The checked-in contract for downstream consumers, path → content: one JSON Schema per event
 * type (`schemas/events/<type>.json`) and the AsyncAPI document (`schemas/asyncapi.json`).
 * `npm run schemas` writes them; a test fails when the files differ from this.
 */
export function schemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  for (const [type, schema] of Object.entries(eventJsonSchemas())) files.set(`${SCHEMAS_DIR}/events/${type}.json`, text(schema));
  files.set(`${SCHEMAS_DIR}/asyncapi.json`, text(asyncapiDocument()));
  return files;
}
