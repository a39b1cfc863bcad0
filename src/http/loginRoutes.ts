import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { miniProgramLogin } from '../commands/miniProgramLogin.ts';
import { reportLogin } from '../commands/reportLogin.ts';
import { oauthCallback } from '../commands/oauthCallback.ts';
import { ERRORS, LoginAnswerSchema, appidParam, errorResponses } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { grantOf, requireAppids, type createAuth } from './auth.ts';
import { APPID_LIMITS, routeAccess } from './routeAccess.ts';
import { EXAMPLE } from './openapiExamples.ts';

const MiniProgramLoginBody = z
  .object({
    code: z.string().min(1).max(256).openapi({ description: 'from `wx.login()`: one-time, 5 minutes', example: EXAMPLE.code }),
    encryptedData: z
      .string()
      .max(65_536)
      .optional()
      .openapi({ description: 'from `wx.getUserInfo()` / `getUserProfile()`: AES-128-CBC under the session key; with `iv`', example: 'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==' }),
    iv: z.string().max(64).optional().openapi({ description: 'goes with `encryptedData`', example: 'r7BXXKkLb8qrSNn05n0qiA==' }),
    rawData: z.string().max(65_536).optional().openapi({ description: 'goes with `signature`: checked as sha1(rawData + session_key)', example: '{"nickName":"微信用户","gender":0,"language":"zh_CN","city":"","province":"","country":"","avatarUrl":"https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132"}' }),
    signature: z.string().max(128).optional().openapi({ description: 'sha1 hex, from the same `wx.getUserInfo()` call', example: '75e81ceda165f4ffa64f4068af58c64b8f54b88c' }),
  })
  .openapi('MiniProgramLogin');

const ReportedLoginBody = z
  .object({
    appid: z.string().min(1).max(64).openapi({ example: EXAMPLE.mpAppid }),
    openid: z.string().min(1).max(128).openapi({ example: EXAMPLE.mpOpenid }),
    unionid: z.string().min(1).max(128).optional().openapi({ description: "a claim of the app, ranked below WeChat's own answers", example: EXAMPLE.unionid }),
    occurredAt: z
      .string()
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'ISO time of the login, 30 days ago at most, 5 minutes ahead at most; default now', example: EXAMPLE.time }),
  })
  .openapi('ReportedLogin');

/** The refusals of a key on a route whose path names the account. */
const keyRefusals = (scope: string) => ({
  401: { unauthorized: null },
  403: { forbidden: `the key lacks the \`${scope}\` scope, or is limited to other appids` },
});

/** A web OAuth code spent again: never answered twice (src/commands/codeReplay.ts, refuseOauthReplay). */
const oauthCodeReplay = {
  401: { wechat_invalid_code: 'WeChat refused the code (40029, 40163)' },
  409: { idempotency_conflict: 'the code was already exchanged here, by whatever request (the same redirect again included): a leaked code logs nobody in' },
};

/** A wx.login code spent again. */
const codeReplay = {
  401: { wechat_invalid_code: 'WeChat refused the code (40029, 40163), or the code was already spent here more than 5 minutes ago (or for a person since erased)' },
  409: { idempotency_conflict: 'the code was already spent here by a different request (another body, `state` or API key)' },
};

export function loginRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const clientFor = (appid: string, kinds: string[]) => {
    const account = service.accounts.get(appid);
    const client = service.wechat(appid);
    if (!account || !client || !kinds.includes(account.kind)) throw new HttpError(404, 'unknown_appid', `${appid} is not a configured ${kinds.join('/')} account`);
    return client;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/miniprogram/{appid}/login',
      tags: ['Logins'],
      summary: 'Mini program login: code2Session, optional rawData check and encryptedData decrypt',
      ...routeAccess(
        requireScope,
        'write',
        APPID_LIMITS.path,
        "Calls `code2Session`, checks `sha1(rawData + session_key)`, decrypts `encryptedData` (AES-128-CBC) and checks its `watermark` (our appid, fresh), then records `login.recorded` (and `unionid.resolved`). The session key is sealed in the database and never returned. A re-sent code is answered from the ledger only for the very same request within the code's 5-minute lifetime.",
      ),
      request: { params: appidParam(EXAMPLE.mpAppid, 'a configured mini program'), body: { content: { 'application/json': { schema: MiniProgramLoginBody } }, required: true } },
      responses: {
        200: { description: 'the user', content: { 'application/json': { schema: LoginAnswerSchema } } },
        ...errorResponses(
          ERRORS.internal,
          ERRORS.jsonBody,
          ERRORS.database,
          ERRORS.wechat,
          keyRefusals('write'),
          codeReplay,
          {
            400: {
              invalid_request: 'the body does not match the schema, or `encryptedData` comes without `iv`, or `rawData` without `signature`',
              invalid_raw_data_signature: null,
              decrypt_failed: '`encryptedData` does not decrypt with the session key, or `iv` is not 16 bytes',
              malformed_payload: 'the decrypted data has no `openId`, or a `unionId` that is not a string',
              watermark_mismatch: null,
              watermark_stale: null,
              openid_mismatch: null,
              wechat_rejected: 'another errcode of code2Session, e.g. 40226 (WeChat blocks the login of a high-risk user)',
            },
            404: { unknown_appid: 'the appid is not a configured mini program' },
          },
        ),
      },
    }),
    async (c) => {
      const { appid } = c.req.valid('param');
      const body = c.req.valid('json');
      const answer = await miniProgramLogin(
        { ledger: service.ledger, client: clientFor(appid, ['mp']), vault: service.vault, watermarkMaxAgeSeconds: service.config.wechat.watermarkMaxAgeSeconds },
        { appid, ...body, requester: grantOf(c).id },
      );
      return c.json(answer, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/logins',
      tags: ['Logins'],
      summary: 'A login the application verified itself',
      ...routeAccess(
        requireScope,
        'write',
        { accepted: true, checks: ['body appid'], rule: "accepted; the body's `appid` must be one of the key's (403 `forbidden` otherwise)." },
        "Records `login.recorded` (and `unionid.resolved` via `report` when a unionid is given) for a login the app checked itself, e.g. with its own code2Session. Its unionid ranks below what WeChat said. The answer's `position` is the ledger position to pass as `minPosition` for read-your-writes. A report dated at or before an erasure of this person (within `erasure.registerRetentionDays`) is not recorded — it would bring them back: `recorded: false`, `reason: predates_erasure`, and `position` is the ledger head. Your app holds that openid and must delete its own copy too; a report dated after the erasure is a new login and is recorded (a new subject).",
      ),
      request: {
        body: { content: { 'application/json': { schema: ReportedLoginBody } }, required: true },
        headers: z.object({
          'idempotency-key': z
            .string()
            .max(256)
            .optional()
            .openapi({ description: 'the same key again answers the original login; without one, the same login within the same second is one event', example: 'login-7f3a9c21' }),
        }),
      },
      responses: {
        200: {
          description: 'recorded, or (`recorded: false`) not recorded because it predates an erasure of this person',
          content: {
            'application/json': {
              schema: LoginAnswerSchema.extend({
                unionid: z.string().nullable().openapi({ description: 'the reported unionid as recorded; null when none was reported, or the report was not recorded', example: EXAMPLE.unionid }),
                position: z.number().int().openapi({ description: 'the ledger position of the login, for `minPosition`; the ledger head when it was not recorded', example: 4822 }),
                recorded: z.boolean().openapi({ description: 'false: the report predates an erasure of this person and was not recorded (see `reason`)', example: true }),
                reason: z.enum(['predates_erasure']).optional().openapi({
                  description: 'only when `recorded` is false: the report is dated at or before an erasure of this person (`erasure.registerRetentionDays`); delete your copy too',
                }),
              }).openapi({ example: { openid: EXAMPLE.mpOpenid, unionid: EXAMPLE.unionid, position: 4822, recorded: true } }),
              examples: {
                recorded: { summary: 'recorded', value: { openid: EXAMPLE.mpOpenid, unionid: EXAMPLE.unionid, position: 4822, recorded: true } },
                predatesErasure: {
                  summary: 'not recorded: dated before an erasure of this person',
                  value: { openid: EXAMPLE.mpOpenid, unionid: null, position: 4822, recorded: false, reason: 'predates_erasure' },
                },
              },
            },
          },
        },
        ...errorResponses(ERRORS.internal, ERRORS.jsonBody, ERRORS.database, {
          400: { occurred_at_out_of_range: null, invalid_event: 'an `openid` or `unionid` with U+0000 in it' },
          401: { unauthorized: null },
          403: { forbidden: "the key lacks the `write` scope, or the body's `appid` is not one of its appids" },
          404: { unknown_appid: 'the body names an appid that is not configured' },
          409: { idempotency_conflict: 'the `Idempotency-Key` was already used for a different login' },
        }),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      requireAppids(c, [body.appid]);
      if (!service.accounts.has(body.appid)) throw new HttpError(404, 'unknown_appid', `${body.appid} is not a configured account`);
      return c.json(await reportLogin(service.ledger, body, c.req.valid('header')['idempotency-key']), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/oauth/{appid}/callback',
      tags: ['Logins'],
      summary: 'Web OAuth callback: exchanges the code, records oauth.authorized',
      ...routeAccess(
        requireScope,
        'write',
        APPID_LIMITS.path,
        "Your OAuth redirect's backend passes on WeChat's `code` and `state`: the code is exchanged (`sns/oauth2/access_token`; `sns/userinfo` for a `snsapi_userinfo` grant without a unionid) and `oauth.authorized` recorded. WeChat's page-snapshot virtual users are refused. A code is exchanged once: any repeat — the same redirect reloaded included — is 409 `idempotency_conflict`, because the code and `state` travel in a URL (browser history, Referer, proxy logs) and whoever replays them reaches this route through your backend. Keep your own session after the first answer.",
      ),
      request: {
        params: appidParam(EXAMPLE.webAppid, 'a configured web app or Official Account'),
        query: z.object({
          code: z.string().min(1).max(256).openapi({ description: "WeChat's one-time code from the redirect", example: EXAMPLE.code }),
          state: z.string().max(256).optional().openapi({ description: 'the `state` of the redirect, as WeChat returned it', example: 'checkout-3f9a' }),
        }),
      },
      responses: {
        200: { description: 'the user', content: { 'application/json': { schema: LoginAnswerSchema, example: { openid: EXAMPLE.webOpenid, unionid: EXAMPLE.unionid } } } },
        ...errorResponses(ERRORS.internal, ERRORS.database, ERRORS.wechat, keyRefusals('write'), oauthCodeReplay, {
          400: {
            invalid_request: '`code` is missing or too long',
            wechat_rejected: 'another errcode of the exchange or of sns/userinfo',
            wechat_invalid_openid: 'sns/userinfo does not know the openid the exchange answered (40003)',
          },
          502: { wechat_token_invalid: "sns/userinfo refused the user's web access token the exchange had just answered (40001, 42001)" },
          403: { snapshot_user: null },
          404: { unknown_appid: 'the appid is not a configured web app or Official Account' },
        }),
      },
    }),
    async (c) => {
      const { appid } = c.req.valid('param');
      const { code, state } = c.req.valid('query');
      const client = clientFor(appid, ['web', 'oa']);
      return c.json(await oauthCallback({ ledger: service.ledger, client }, { appid, code, state, requester: grantOf(c).id }), 200);
    },
  );
  return app;
}
