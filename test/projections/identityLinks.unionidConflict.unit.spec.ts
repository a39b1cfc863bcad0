import { describe, expect, it } from 'vitest';
import { foldAll, keyOf } from '../../projections/identityLinks/evolve.ts';
import { linkedAccounts } from '../../projections/identityLinks/linkedAccounts.ts';
import { configuredAccounts as ctx } from './context.ts';
import { eventBuilder, MP } from './eventBuilder.ts';

describe('a second unionid claimed for the same openid', () => {
  it('keeps the first, flags the others once each, and links only through the first', () => {
    const event = eventBuilder();
    const user = { appid: MP, openid: 'mp1' };
    const rows = foldAll([
      event('login.recorded', { ...user, unionid: 'u1' }),
      event('unionid.resolved', { ...user, unionid: 'u2', via: 'decrypt' }),
      event('login.recorded', { ...user, unionid: 'u1' }),
      event('login.recorded', { ...user, unionid: 'u2' }),
      event('unionid.resolved', { ...user, unionid: 'u3', via: 'report' }),
    ], ctx);
    expect(rows.get(keyOf(MP, 'mp1'))).toMatchObject({ unionid: 'u1', unionidConflict: ['u2', 'u3'] });
    expect(linkedAccounts(rows, 'u1')).toHaveLength(1);
    expect(linkedAccounts(rows, 'u2')).toEqual([]);
  });

  it('a login without a unionid neither clears nor conflicts', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('login.recorded', { appid: MP, openid: 'mp1', unionid: 'u1' }),
      event('login.recorded', { appid: MP, openid: 'mp1' }),
    ], ctx);
    expect(rows.get(keyOf(MP, 'mp1'))).toMatchObject({ unionid: 'u1', unionidConflict: [] });
  });
});
