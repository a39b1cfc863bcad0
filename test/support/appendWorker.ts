// Appends `count` single-event calls concurrently to the ledger at DATABASE_URL; used by the
// two-process concurrency test. Prints the positions it was given as JSON.
import { openStorage } from '../../src/ledger/openStorage.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { subscribed } from './newEvents.ts';

const [url, tag, countText] = process.argv.slice(2);
const storage = await openStorage({ databaseUrl: url! });
const ledger = createLedger(storage);
const results = await Promise.all(
  Array.from({ length: Number(countText) }, (_, i) => ledger.append([subscribed('wxconcurrent', `${tag}-${i}`)])),
);
process.stdout.write(JSON.stringify(results.map((r) => r.events[0]!.position)));
await ledger.close();
await storage.close();
