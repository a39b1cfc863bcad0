import type { Migration } from 'kysely';
import * as m0001 from './0001_ledger.ts';
import * as m0002 from './0002_wechat_state.ts';
import * as m0003 from './0003_projections.ts';
import * as m0004 from './0004_jobs.ts';
import * as m0005 from './0005_private_ledger.ts';
import * as m0006 from './0006_callback_nonces.ts';
import * as m0007 from './0007_identity_claim_rank.ts';
import * as m0008 from './0008_append_generic_plans.ts';

/** Numbered schema migrations, applied in name order by kysely's Migrator. Append, never edit. */
export const migrations: Record<string, Migration> = {
  '0001_ledger': m0001,
  '0002_wechat_state': m0002,
  '0003_projections': m0003,
  '0004_jobs': m0004,
  '0005_private_ledger': m0005,
  '0006_callback_nonces': m0006,
  '0007_identity_claim_rank': m0007,
  '0008_append_generic_plans': m0008,
};
