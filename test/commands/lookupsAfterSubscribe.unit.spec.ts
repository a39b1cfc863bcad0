import { describe, expect, it } from 'vitest';
import { lookupsAfterSubscribe } from '../../src/commands/lookupsAfterSubscribe.ts';
import { eventBuilder } from '../projections/eventBuilder.ts';

const kinds: Record<string, 'oa' | 'mp' | 'web'> = { wxoa: 'oa', wxmp: 'mp' };
const kindOf = (appid: string) => kinds[appid];

describe('the unionid lookups ledger events call for', () => {
  it('one per subscribe pushed to a configured Official Account, caused by it', () => {
    const event = eventBuilder(1);
    const events = [
      event('follow.subscribed', { appid: 'wxoa', openid: 'o-1', scene: 'qrscene_1' }),
      event('follow.unsubscribed', { appid: 'wxoa', openid: 'o-1' }),
      event('login.recorded', { appid: 'wxmp', openid: 'm-1' }),
      event('follow.subscribed', { appid: 'wxoa', openid: 'o-2' }),
    ];
    expect(lookupsAfterSubscribe(events, kindOf)).toEqual([
      { appid: 'wxoa', openid: 'o-1', causationId: 'evt-1', position: 1 },
      { appid: 'wxoa', openid: 'o-2', causationId: 'evt-4', position: 4 },
    ]);
  });

  it('none for follows a reconciliation found (it looks them up itself), for other accounts, or for accounts not configured', () => {
    const event = eventBuilder(1);
    const events = [
      event('follow.subscribed', { appid: 'wxoa', openid: 'o-1' }, { source: 'reconciliation' }),
      event('follow.subscribed', { appid: 'wxmp', openid: 'm-1' }),
      event('follow.subscribed', { appid: 'wxgone', openid: 'g-1' }),
    ];
    expect(lookupsAfterSubscribe(events, kindOf)).toEqual([]);
  });

  it('none for a subscribe whose follower was erased since (it reads redacted)', () => {
    const event = eventBuilder(1);
    const erased = { ...event('follow.subscribed', { appid: 'wxoa', openid: 'o-1' }), erased: true as const, data: { appid: 'wxoa', openid: null } };
    expect(lookupsAfterSubscribe([erased as never], kindOf)).toEqual([]);
  });
});
