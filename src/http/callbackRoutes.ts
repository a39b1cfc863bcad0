import { Hono } from 'hono';
import type { Service } from '../createService.ts';
import { ingestPush } from '../commands/ingestPush.ts';
import { createCallbackNonces } from '../wechat/callbackNonces.ts';
import { verifyUrl } from '../wechat/verifyUrl.ts';
import { HttpError } from './errorResponse.ts';
import { limitBody } from './limitBody.ts';

/**
 * WeChat's side of the service: authenticated by WeChat's signatures, not API keys.
 * `success` is answered only after the push's events are committed; a 503 (ledger down) makes
 * WeChat retry, and the dedupe key makes the retry harmless.
 */
export function callbackRoutes(service: Service) {
  const app = new Hono();
  const nonces = createCallbackNonces(service.storage.db, {
    toleranceSeconds: service.config.wechat.timestampToleranceSeconds,
    onSweepError: (error) => service.logger.warn({ err: (error as Error).message }, 'callback nonces: deleting expired rows failed, will retry'),
  });
  warnAboutShortTokens(service);
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
    await nonces.claim({ appid: account.appid, ...url, content: `GET echostr=${echostr}` });
    return c.text(echostr);
  });

  app.post(
    '/wechat/:appid/callback',
    limitBody(service.config.bodyLimitBytes),
    async (c) => {
      const account = accountFor(c.req.param('appid'));
      const body = await c.req.text();
      const result = await ingestPush({ ledger: service.ledger, nonces }, {
        account,
        query: c.req.query(),
        body,
        contentType: c.req.header('content-type'),
        format: account.pushFormat,
        maxBytes: service.config.bodyLimitBytes,
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
