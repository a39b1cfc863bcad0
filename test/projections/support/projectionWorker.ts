// Runs both projections (live and rebuild) against DATABASE_URL until killed; prints `applied <name> <to>` per
// committed batch. Used by the kill test, which SIGKILLs it in the middle of a batch.
import { createLedger } from '../../../src/ledger/ledger.ts';
import { openStorage } from '../../../src/ledger/openStorage.ts';
import { createProjectionRunner } from '../../../projections/projectionRunner.ts';
import { configuredAccounts } from '../context.ts';

const [url, batchSize] = process.argv.slice(2);
const storage = await openStorage({ databaseUrl: url! });
const ledger = createLedger(storage);
createProjectionRunner({
  ledger,
  ctx: configuredAccounts,
  batchSize: Number(batchSize),
  rebuildBatchSize: Number(batchSize),
  onApplied: (batch) => process.stdout.write(`applied ${batch.name} ${batch.to}\n`),
}).start();
