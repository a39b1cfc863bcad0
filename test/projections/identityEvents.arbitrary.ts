import fc from 'fast-check';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { at, eventBuilder, MP, NEW_OA, OA, WEB } from './eventBuilder.ts';

export type IdentitySpec = {
  kind: 'follow' | 'login' | 'oauth' | 'resolved' | 'reported' | 'revoked' | 'converted';
  person: number;
  /** Whether the event carries the person's unionid (only some logins do). */
  withUnionid: boolean;
  /** A foreign unionid instead of the person's: a conflicting claim. */
  foreign: boolean;
  minute: number;
  retried: boolean;
};

export const identitySpec = (options: { conflicts: boolean }): fc.Arbitrary<IdentitySpec> =>
  fc.record({
    kind: fc.constantFrom('follow', 'login', 'oauth', 'resolved', 'reported', 'revoked', 'converted'),
    person: fc.integer({ min: 1, max: 3 }),
    withUnionid: fc.boolean(),
    foreign: options.conflicts ? fc.boolean() : fc.constant(false),
    minute: fc.integer({ min: 0, max: 4 }),
    retried: fc.boolean(),
  });

/** One person per number: openid `<app>-p<n>` in each account, unionid `u<n>`. */
export function identityEvents(specs: readonly IdentitySpec[]): LedgerEvent[] {
  const event = eventBuilder();
  return specs.map((s) => {
    const options = { at: at(s.minute) };
    const unionid = s.foreign ? `foreign${s.minute}` : `u${s.person}`;
    const maybe = s.withUnionid ? { unionid } : {};
    const on = (appid: string) => ({ appid, openid: `${appid}-p${s.person}` });
    switch (s.kind) {
      case 'follow': return event('follow.subscribed', on(OA), options);
      case 'login': return event('login.recorded', { ...on(MP), ...maybe }, options);
      case 'oauth': return event('oauth.authorized', { ...on(WEB), scope: 'snsapi_base', ...maybe }, options);
      case 'resolved': return event('unionid.resolved', { ...on(OA), unionid, via: 'user_info' }, options);
      // A login an app reported itself (POST /v1/logins): a claim ranked below WeChat's answers.
      case 'reported': return event('unionid.resolved', { ...on(MP), unionid, via: 'report' }, { ...options, source: 'api' });
      case 'revoked': return event('authorization.revoked', on(MP), options);
      case 'converted': {
        const { appid: fromAppid, openid: fromOpenid } = on(OA);
        const { appid: toAppid, openid: toOpenid } = on(NEW_OA);
        return event('openid.converted', { fromAppid, fromOpenid, toAppid, toOpenid }, options);
      }
    }
  });
}
