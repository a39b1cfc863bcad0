import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { ingestPush } from '../commands/ingestPush.ts';
import { createCallbackNonces } from '../wechat/callbackNonces.ts';
import { verifyCallbackUrl, verifyUrl } from '../wechat/verifyUrl.ts';
import { HttpError } from './errorResponse.ts';
import { limitBody } from './limitBody.ts';
import { ERRORS, appidParam, errorResponses } from './schemas.ts';
import { EXAMPLE } from './openapiExamples.ts';

/**
 * WeChat's side of the service: authenticated by WeChat's signatures, not API keys.
 * `success` is answered only after the push's events are committed; a 503 (ledger down) makes
 * WeChat retry, and the dedupe key makes the retry harmless.
 */
export function callbackRoutes(service: Service) {
  const app = new OpenAPIHono();
  documentCallbacks(app);
  const nonces = createCallbackNonces(service.storage.db, {
    toleranceSeconds: service.config.wechat.timestampToleranceSeconds,
    // Keyed: the table must not let a database reader confirm a guess of a push's content.
    contentDigest: async (appid, content) => (await service.ledger.privacy()).pseudonyms.callbackContent(appid, content),
    onSweepError: (error) => service.logger.warn({ err: (error as Error).message }, 'callback nonces: deleting expired rows failed, will retry'),
  });
  warnAboutShortTokens(service);
  warnAboutMissingOriginalIds(service);
  const accountFor = (appid: string) => {
    const account = service.accounts.get(appid);
    if (!account?.token) throw new HttpError(404, 'unknown_appid', `no callback is configured for ${appid}`);
    return { ...account, token: account.token };
  };

  app.get('/wechat/:appid/callback', async (c) => {
    const account = accountFor(c.req.param('appid'));
    const query = c.req.query();
    const url = { signature: query.signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' };
    const echostr = verifyUrl({ token: account.token, query: { ...url, echostr: query.echostr }, timestampToleranceSeconds: service.config.wechat.timestampToleranceSeconds });
    // A verification URL is signed like a push URL: remembered, it cannot carry a push from a log.
    await nonces.claim({ appid: account.appid, ...url, content: `GET\u0000${echostr}` });
    return c.text(echostr);
  });

  app.post(
    '/wechat/:appid/callback',
    // `signature` covers only the URL, so it is checked before the body is read: an unsigned
    // request costs no body read or parse, and its connection is closed with the answer (the body
    // it announced is never read). ingestPush checks it again (one sha1) as its own first step.
    async (c, next) => {
      const account = accountFor(c.req.param('appid'));
      try {
        verifyCallbackUrl({ token: account.token, query: c.req.query(), timestampToleranceSeconds: service.config.wechat.timestampToleranceSeconds });
      } catch (error) {
        c.header('connection', 'close');
        throw error;
      }
      await next();
    },
    limitBody(service.config.callbackBodyLimitBytes),
    async (c) => {
      const account = accountFor(c.req.param('appid'));
      const body = await c.req.text();
      const result = await ingestPush({ ledger: service.ledger, nonces }, {
        account,
        query: c.req.query(),
        body,
        contentType: c.req.header('content-type'),
        format: account.pushFormat,
        maxBytes: service.config.callbackBodyLimitBytes,
        timestampToleranceSeconds: service.config.wechat.timestampToleranceSeconds,
      });
      const outcome = result.events.length === 0 ? 'ignored' : result.duplicate ? 'duplicate' : 'appended';
      service.metrics.pushes.inc({ appid: account.appid, kind: result.push.kind, outcome });
      if (result.duplicate) service.metrics.ledgerDedupeHits.inc({ source: 'webhook' });
      return c.text('success');
    },
  );
  return app;
}

/** WeChat accepts 3–32 characters (config validation refuses fewer); a short one is guessable. */
const RECOMMENDED_TOKEN_LENGTH = 16;

function warnAboutShortTokens(service: Service): void {
  for (const account of service.accounts.values()) {
    if (account.token && account.token.length < RECOMMENDED_TOKEN_LENGTH) {
      service.logger.warn(
        { appid: account.appid, length: account.token.length },
        `callback token of ${account.appid} is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters: anyone who guesses it can sign pushes (set a random 32-character token in the WeChat console and here)`,
      );
    }
  }
}

/** Without `originalId` a push's ToUserName cannot be checked (src/wechat/checkRecipient.ts). */
function warnAboutMissingOriginalIds(service: Service): void {
  for (const account of service.accounts.values()) {
    if (account.token && account.originalId === undefined) {
      service.logger.warn(
        { appid: account.appid },
        `${account.appid} has no originalId: its pushes' ToUserName is not checked, so a push addressed to another account is not refused (set originalId to the gh_… id from the WeChat console)`,
      );
    }
  }
}

/**
 * The callback URL as WeChat calls it, for the OpenAPI document only: the handlers above read
 * the query themselves (a missing `signature` is a 403 `invalid_signature`, not a schema
 * error), so nothing here validates. Parameters as WeChat's message-push pages describe them
 * (developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/message_push.html:
 * `?signature=…&timestamp=…&nonce=…&openid=…&encrypt_type=aes&msg_signature=…`; the URL
 * check carries `echostr`); the example values are that page's.
 */
function documentCallbacks(app: OpenAPIHono): void {
  const signed = {
    signature: z.string().openapi({ description: 'sha1 of the sorted token, timestamp and nonce', example: 'f464b24fc39322e44b38aa78f5edd27bd1441696' }),
    timestamp: z.string().openapi({ description: 'seconds since the epoch, canonical decimal (no leading zero or sign); within `wechat.timestampToleranceSeconds` of our clock', example: '1714036504' }),
    nonce: z.string().openapi({ example: '1514711492' }),
  };
  const params = appidParam(EXAMPLE.oaAppid, 'the configured Official Account or mini program this URL was saved for (its `token` signs)');
  const who = 'Called by WeChat, not by API clients: authenticated by the signature over the account `token` (constant-time check), no API key.';
  const unknown = { 404: { unknown_appid: 'the appid is not configured, or has no `token` (no callback)' } };
  const signature = {
    403: {
      invalid_signature: '`signature` does not match the token',
      stale_timestamp: null,
      replayed_nonce: 'this signed URL was already used with a different `echostr`',
    },
  };

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/wechat/{appid}/callback',
    tags: ['WeChat callbacks'],
    summary: 'URL verification: WeChat checks the callback URL when it is saved in the console',
    description: `${who} Answers \`echostr\` verbatim when the signature holds. Official Accounts and mini programs send \`echostr\` in clear in every message mode. The signed URL is remembered for its timestamp window, like a push's.`,
    security: [],
    request: { params, query: z.object({ ...signed, echostr: z.string().openapi({ description: 'answered verbatim', example: '4375120948345356249' }) }) },
    responses: {
      200: { description: '`echostr`, verbatim', content: { 'text/plain': { schema: z.string().openapi({ example: '4375120948345356249' }) } } },
      ...errorResponses(ERRORS.internal, ERRORS.database, unknown, signature, { 400: { invalid_push: '`echostr` is missing' } }),
    },
  });

  const plainXml = `<xml><ToUserName><![CDATA[${EXAMPLE.originalId}]]></ToUserName><FromUserName><![CDATA[${EXAMPLE.openid}]]></FromUserName><CreateTime>1714036504</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_${EXAMPLE.scene}]]></EventKey><Ticket><![CDATA[${EXAMPLE.ticket}]]></Ticket></xml>`;
  const safeXml = `<xml><ToUserName><![CDATA[${EXAMPLE.originalId}]]></ToUserName><Encrypt><![CDATA[ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==]]></Encrypt></xml>`;
  const mpJson = JSON.stringify({ ToUserName: 'gh_7c2e4a6b8d0f', FromUserName: EXAMPLE.mpOpenid, CreateTime: 1714036504, MsgType: 'event', Event: 'user_authorization_revoke', OpenID: EXAMPLE.mpOpenid, AppID: EXAMPLE.mpAppid, RevokeInfo: '1' });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/wechat/{appid}/callback',
    tags: ['WeChat callbacks'],
    summary: 'Event push: subscribe, unsubscribe, scan, mini program authorization revoke/cancellation, messages',
    description:
      `${who} XML (Official Accounts) or XML/JSON (mini programs, \`pushFormat\`); plain, compatible or safe (AES) mode (\`messageMode\`). ` +
      'In compatible and safe mode `msg_signature` must also hold (it covers the ciphertext) and only the decrypted message is trusted. ' +
      '`success` is answered only after the events (and an erasure the account policy calls for) are committed; a 5xx makes WeChat retry, and the dedupe makes the retry harmless. ' +
      'Unknown event types are answered `success`, counted in `wechat_pushes_total`, not appended.',
    security: [],
    request: {
      params,
      query: z.object({
        ...signed,
        openid: z.string().optional().openapi({ description: "the sender's openid (informational: the body's is used)", example: EXAMPLE.openid }),
        encrypt_type: z.enum(['aes']).optional().openapi({ description: 'present in compatible and safe mode' }),
        msg_signature: z.string().optional().openapi({ description: 'sha1 of the sorted token, timestamp, nonce and `Encrypt`; required with `Encrypt`', example: '6c12a4205838198b8f28a3d3e7a8b6e3cf5f0e6b' }),
      }),
      body: {
        required: true,
        content: {
          'text/xml': {
            schema: z.string().openapi({ description: 'the push, at most `callbackBodyLimitBytes`; no DOCTYPE or entities', example: plainXml }),
            examples: { plain: { summary: 'plain mode: a QR-code subscribe', value: plainXml }, safe: { summary: 'safe mode: only Encrypt (AES-256-CBC, 32-byte PKCS#7 blocks)', value: safeXml } },
          },
          'application/json': {
            schema: z.string().openapi({ description: 'a mini program push in JSON (`pushFormat: json`)', example: mpJson }),
          },
        },
      },
    },
    responses: {
      200: { description: '`success`, after commit', content: { 'text/plain': { schema: z.string().openapi({ example: 'success' }) } } },
      ...errorResponses(ERRORS.internal, ERRORS.database, unknown, signature, {
        400: {
          hostile_xml: null,
          malformed_xml: null,
          malformed_json: null,
          invalid_push: null,
          invalid_create_time: null,
          wrong_account: "the (decrypted) push is addressed to another account: `ToUserName` is not the account's `originalId` (checked when configured), or `AppID` is not this appid",
          malformed_payload: '`encrypt_type=aes` without `Encrypt`, an empty `Encrypt`, or decrypted content without its parts',
          decrypt_failed: '`Encrypt` does not decrypt with the EncodingAESKey, or the account has none',
          appid_mismatch: null,
          invalid_event: 'a field the ledger refuses, e.g. an openid over 128 characters',
        },
        403: {
          invalid_signature: '`signature` or `msg_signature` does not match the token',
          replayed_nonce: 'this signed URL was already used: with other body bytes, for another account, or by a body that was refused (a URL is spent before its body is parsed)',
          encryption_required: null,
        },
        409: { idempotency_conflict: 'a push with the same dedupe key (MsgId, or sender, CreateTime, Event and EventKey) and different content' },
        413: { payload_too_large: 'the body is over `callbackBodyLimitBytes` (64 KiB by default; judged from `Content-Length` before reading, or while a chunked body streams in)' },
      }),
    },
  });
}
