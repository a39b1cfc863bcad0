// One of several processes appending at once with the pipelined group commit; used by
// ledger.pipeline.int.spec.ts. `callers` concurrent loops append `rounds` times each: new
// subscribes, two-event appends, keys shared with the other processes, and expected-version
// appends to one hot stream. Prints {appended, duplicates, conflicts} as JSON.
import { openStorage } from '../../src/ledger/openStorage.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { WrongExpectedVersionError } from '../../src/ledger/ledgerErrors.ts';
import { subscribed, unsubscribed } from './newEvents.ts';

const [url, tag, callersText, roundsText] = process.argv.slice(2);
const storage = await openStorage({ databaseUrl: url! });
const ledger = createLedger(storage, { pipeline: true });
const counts = { appended: 0, duplicates: 0, conflicts: 0 };

async function caller(c: number): Promise<void> {
  for (let round = 0; round < Number(roundsText); round++) {
    const kind = (c + round) % 4;
    if (kind === 0) {
      // Shared by every process: the same key and content, so all but one are duplicates.
      const result = await ledger.append([subscribed('wxpipe', `shared-${c}-${round}`)]);
      if (result.duplicate) counts.duplicates++;
      else counts.appended++;
    } else if (kind === 1) {
      await ledger.append([subscribed('wxpipe', `${tag}-${c}-${round}`), unsubscribed('wxpipe', `${tag}-${c}-${round}`)]);
      counts.appended += 2;
    } else if (kind === 2) {
      // A hot stream: read its version, append at it; racing processes make some of these fail.
      const stream = 'hot-stream';
      const version = (await ledger.read({ limit: 100_000 })).filter((e) => e.stream === stream).length;
      try {
        await ledger.append([{ ...subscribed('wxpipe', `hot-${tag}-${c}-${round}`), stream }], { expectedVersion: version });
        counts.appended++;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        counts.conflicts++;
      }
    } else {
      await ledger.append([subscribed('wxpipe', `${tag}-solo-${c}-${round}`)]);
      counts.appended++;
    }
  }
}

await Promise.all(Array.from({ length: Number(callersText) }, (_, c) => caller(c)));
process.stdout.write(JSON.stringify(counts));
await ledger.close();
await storage.close();
