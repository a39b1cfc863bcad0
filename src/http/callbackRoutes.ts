import { Hono } from 'hono';
import type { Service } from '../createService.ts';
import { ingestPush } from '../commands/ingestPush.ts';
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
  const accountFor = (appid: string) => {
    const account = service.accounts.get(appid);
    if (!account?.token) throw new HttpError(404, 'unknown_appid', `no callback is configured for ${appid}`);
    return { ...account, token: account.token };
  };

  app.get('/wechat/:appid/callback', (c) => {
    const account = accountFor(c.req.param('appid'));
    const query = c.req.query();
    const echostr = verifyUrl({
      token: account.token,
      query: { signature: query.signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '', echostr: query.echostr },
    });
    return c.text(echostr);
  });

  app.post(
    '/wechat/:appid/callback',
    limitBody(service.config.bodyLimitBytes),
    async (c) => {
      const account = accountFor(c.req.param('appid'));
      const body = await c.req.text();
      const result = await ingestPush(service.ledger, {
        account,
        query: c.req.query(),
        body,
        contentType: c.req.header('content-type'),
        format: account.pushFormat,
        maxBytes: service.config.bodyLimitBytes,
        timestampToleranceSeconds: service.config.wechat.timestampToleranceSeconds,
        requireEncryption: Boolean(account.encodingAESKey) && !account.acceptPlaintext,
      });
      const outcome = result.events.length === 0 ? 'ignored' : result.duplicate ? 'duplicate' : 'appended';
      service.metrics.pushes.inc({ appid: account.appid, kind: result.push.kind, outcome });
      if (result.duplicate) service.metrics.ledgerDedupeHits.inc({ source: 'webhook' });
      return c.text('success');
    },
  );
  return app;
}
