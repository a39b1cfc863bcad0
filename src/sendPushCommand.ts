import { parseArgs } from 'node:util';
import type { Config } from './config/schema.ts';
import { buildPush, sendPush, type PushMode } from './simulator/pushSender.ts';

/** `identity-ledger send-push`: what WeChat would send, signed with the account's token. */
export async function sendPushCommand(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: false,
    options: {
      appid: { type: 'string' },
      openid: { type: 'string' },
      event: { type: 'string', default: 'subscribe' },
      mode: { type: 'string' },
      url: { type: 'string' },
      'event-key': { type: 'string' },
      config: { type: 'string' },
    },
  });
  const account = config.accounts.find((a) => a.appid === values.appid) ?? config.accounts.find((a) => a.kind === 'oa');
  if (!account?.token) {
    console.error('send-push: no account with a callback token (pass --appid)');
    return 1;
  }
  const openid = typeof values.openid === 'string' ? values.openid : await simulatedFollower(config.wechat.apiBase, account.appid);
  const event = values.event === 'unsubscribe' ? 'unsubscribe' : 'subscribe';
  const eventKey = typeof values['event-key'] === 'string' ? values['event-key'] : undefined;
  const built = buildPush(
    {
      appid: account.appid,
      token: account.token,
      ...(account.encodingAESKey ? { encodingAESKey: account.encodingAESKey } : {}),
      originalId: account.originalId ?? account.appid,
      format: account.pushFormat,
      mode: (values.mode as PushMode | undefined) ?? (account.encodingAESKey ? 'safe' : 'plain'),
    },
    event === 'subscribe' ? { event, openid, ...(eventKey ? { eventKey } : {}) } : { event, openid },
  );
  const base = typeof values.url === 'string' ? values.url : `http://127.0.0.1:${config.port}`;
  const delivery = await sendPush(`${base}/wechat/${account.appid}/callback`, built);
  const last = delivery.attempts[delivery.attempts.length - 1];
  console.log(`${event} ${openid} → ${account.appid}: ${delivery.delivered ? 'delivered' : 'NOT delivered'} (HTTP ${last?.status ?? 'none'} ${last?.body ?? ''})`);
  return delivery.delivered ? 0 : 1;
}

/**
 * Without --openid: one of the simulator's seeded followers, so the service's `user/info` lookup
 * after the subscribe finds a unionid; a made-up openid when no simulator answers.
 */
async function simulatedFollower(apiBase: string, appid: string): Promise<string> {
  const person = Math.floor(Math.random() * 10);
  try {
    const response = await fetch(`${apiBase}/_simulator/followers/${appid}/${person}`, { signal: AbortSignal.timeout(2000) });
    if (response.ok) return ((await response.json()) as { openid: string }).openid;
  } catch {
    // no simulator running: fall through
  }
  return `oTest${Date.now()}`;
}
