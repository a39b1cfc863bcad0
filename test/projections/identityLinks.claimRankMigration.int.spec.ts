import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../migrations/0007_identity_claim_rank.ts';
import { createProjectionRunner } from '../../projections/projectionRunner.ts';
import { followState } from '../../projections/followState/index.ts';
import { identityLinks } from '../../projections/identityLinks/index.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { until } from '../support/until.ts';
import { configuredAccounts as ctx } from './context.ts';
import { MP } from './eventBuilder.ts';

describe('identity links codeVersion 2 over a database folded by version 1 (PostgreSQL)', () => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger('postgres');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('migration 0007 gives the old table the new column, so it keeps serving and folding until the rebuild switches', async () => {
    const db = env.storage.db;
    await env.ledger.append([
      { type: 'unionid.resolved', data: { appid: MP, openid: 'o1', unionid: 'u-claimed', via: 'report' }, meta: { source: 'api', idempotencyKey: 'r1' } },
    ]);
    // What version 1 of the code left: its table without unionid_reported, active, folded to the head.
    const v1 = { ...identityLinks, codeVersion: 1 };
    const old = createProjectionRunner({ ledger: env.ledger, ctx, projections: [v1, followState] }).start();
    await old.waitFor(await env.ledger.head());
    await old.stop();
    await sql`alter table proj_identity_links_v1 drop column unionid_reported`.execute(db);

    await up(db as never);
    const switched: number[] = [];
    const runner = createProjectionRunner({ ledger: env.ledger, ctx, projections: [identityLinks, followState], onSwitched: (v) => void (v.name === 'identity-links' && switched.push(v.version)) }).start();
    try {
      await env.ledger.append([
        { type: 'unionid.resolved', data: { appid: MP, openid: 'o1', unionid: 'u-real', via: 'code2session' }, meta: { source: 'login', idempotencyKey: 'r2' } },
      ]);
      await until(() => switched.length > 0, 20_000, 'the rebuild to codeVersion 2');
      await runner.waitFor(await env.ledger.head());
      expect(await getUser(db, MP, 'o1')).toMatchObject({ unionid: 'u-real' });
      expect(runner.status()[0]).toMatchObject({ version: 2, codeVersion: identityLinks.codeVersion, lastError: null });
      expect((await verifyProjections(env.ledger, ctx, [identityLinks])).every((v) => v.ok)).toBe(true);
    } finally {
      await runner.stop();
    }
  });
});
