import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, MP, OA, keepWithdrawals, type E2E } from '../support/e2eHarness.ts';
import { buildPush, pushFields, renderPush, sendPush, type BuiltPush, type PushMode } from '../../src/simulator/pushSender.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { createMessageCrypto } from '../../src/wechat/messageCrypto.ts';
import { computeSignature } from '../../src/wechat/signature.ts';

/**
 * A push names the account it is for (ToUserName = the account's original id; AppID in the
 * authorization pushes). One posted to /wechat/:appid/callback that names another account is
 * refused, whatever the mode — judged on the decrypted message when there is one.
 */
describe('a push addressed to another account', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ configure: keepWithdrawals });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const eventsOf = async (openid: string) => (await e2e.server.service.ledger.read({ openid })) as LedgerEvent[];
  const deliver = async (appid: string, push: BuiltPush) => {
    const last = (await sendPush(`${e2e.url}/wechat/${appid}/callback`, push, { tries: 1 })).attempts[0]!;
    return { status: last.status, code: last.status === 200 ? last.body : (JSON.parse(last.body) as { error: { code: string } }).error.code };
  };
  /** The OA's push as another account (the MP) would be addressed. */
  const misaddressed = (mode: PushMode, openid: string) => buildPush({ ...OA, originalId: MP.originalId, format: 'xml', mode }, { event: 'subscribe', openid });

  it.each(['plain', 'compatible', 'safe'] as const)('refuses ToUserName of another account in %s mode (400 wrong_account), appending nothing', async (mode) => {
    const openid = `o-misaddressed-${mode}`;
    expect(await deliver(OA.appid, misaddressed(mode, openid))).toEqual({ status: 400, code: 'wrong_account' });
    expect(await eventsOf(openid)).toEqual([]);
    // Addressed right, the same push goes in.
    expect(await deliver(OA.appid, buildPush({ ...OA, format: 'xml', mode }, { event: 'subscribe', openid }))).toEqual({ status: 200, code: 'success' });
  });

  it('judges the decrypted ToUserName in compatible mode, not the clear copy beside it', async () => {
    // The clear fields say this account, the encrypted message says another: refused.
    const inner = misaddressed('compatible', 'o-compatible-inner');
    const dressed = { ...inner, body: inner.body.replace(`<ToUserName><![CDATA[${MP.originalId}]]>`, `<ToUserName><![CDATA[${OA.originalId}]]>`) };
    expect(dressed.body).toContain(OA.originalId);
    expect(await deliver(OA.appid, dressed)).toEqual({ status: 400, code: 'wrong_account' });
    // The other way round (clear copy wrong, message right) is this account's push.
    const right = buildPush({ ...OA, format: 'xml', mode: 'compatible' }, { event: 'subscribe', openid: 'o-compatible-outer' });
    const clearWrong = { ...right, body: right.body.replace(`<ToUserName><![CDATA[${OA.originalId}]]>`, `<ToUserName><![CDATA[${MP.originalId}]]>`) };
    expect(await deliver(OA.appid, clearWrong)).toEqual({ status: 200, code: 'success' });
  });

  it("refuses an authorization push whose AppID is another account's", async () => {
    const mp = { ...MP, format: 'json' as const, mode: 'safe' as const };
    const fields = { ...pushFields(mp, { event: 'user_authorization_revoke', openid: 'o-revoke-foreign' }), AppID: 'wxsomeoneelse00001' };
    expect(await deliver(MP.appid, encryptedPush(fields))).toEqual({ status: 400, code: 'wrong_account' });
    expect(await eventsOf('o-revoke-foreign')).toEqual([]);
    const own = pushFields(mp, { event: 'user_authorization_revoke', openid: 'o-revoke-own' });
    expect(await deliver(MP.appid, encryptedPush(own))).toEqual({ status: 200, code: 'success' });
  });
});

/** A safe-mode JSON push of exactly `fields` to the MP, signed and encrypted as WeChat does. */
function encryptedPush(fields: Record<string, string | number>): BuiltPush {
  const crypto = createMessageCrypto({ token: MP.token, encodingAESKey: MP.encodingAESKey, appid: MP.appid });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomBytes(6).readUIntBE(0, 6));
  const encrypt = crypto.encrypt(renderPush(fields, 'json'));
  return {
    query: { signature: computeSignature(MP.token, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: crypto.sign(timestamp, nonce, encrypt) },
    body: JSON.stringify({ ToUserName: MP.originalId, Encrypt: encrypt }),
    contentType: 'application/json',
  };
}
