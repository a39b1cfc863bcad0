import { messageModeOf, type Config } from './config/schema.ts';
import { closestMatch } from './commandLine/closestMatch.ts';
import { UsageError, type CommandArgs } from './commandLine/parseCommandArgs.ts';
import { buildPush, sendPush, type PushMode } from './simulator/pushSender.ts';

/**
 * `identity-ledger send-push`: what WeChat would send, signed with the account's token. An
 * --appid that is not configured is an error (never another account's push); without one, the
 * first Official Account with a callback token.
 */
export async function sendPushCommand(args: CommandArgs, config: Config): Promise<number> {
  const appid = args.text('appid');
  const withToken = config.accounts.filter((a) => a.token);
  let account = appid === undefined ? withToken.find((a) => a.kind === 'oa') : config.accounts.find((a) => a.appid === appid);
  if (appid !== undefined && !account) {
    const meant = closestMatch(appid, config.accounts.map((a) => a.appid));
    throw new UsageError(`send-push: unknown appid ${appid}${meant ? ` (did you mean ${meant}?)` : ''}; configured: ${config.accounts.map((a) => a.appid).join(', ')}`);
  }
  if (account && !account.token) {
    throw new UsageError(`send-push: ${account.appid} has no callback token configured; accounts with one: ${withToken.map((a) => a.appid).join(', ') || 'none'}`);
  }
  if (!account?.token) {
    console.error('send-push: no Official Account with a callback token is configured (pass --appid)');
    return 1;
  }
  const values = args.values;
  // The parser allowed only these two.
  const event = values.event === 'unsubscribe' ? 'unsubscribe' : 'subscribe';
  const eventKey = typeof values['event-key'] === 'string' ? values['event-key'] : undefined;
  if (eventKey !== undefined && event !== 'subscribe') throw new UsageError('send-push: --event-key goes with a subscribe only');
  const openid = typeof values.openid === 'string' ? values.openid : await simulatedFollower(config.wechat.apiBase, account.appid);
  const built = buildPush(
    {
      appid: account.appid,
      token: account.token,
      ...(account.encodingAESKey ? { encodingAESKey: account.encodingAESKey } : {}),
      originalId: account.originalId ?? account.appid,
      format: account.pushFormat,
      mode: (values.mode as PushMode | undefined) ?? messageModeOf(account),
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
