import { describe, expect, it } from 'vitest';
import { migrationWindow, windowRefusal } from '../../src/jobs/convert/migrationWindow.ts';
import { resolveMigration } from '../../src/jobs/convert/resolveMigration.ts';
import type { Account } from '../../src/config/schema.ts';

const DAY = 86_400_000;
const migratedAt = '2026-03-01T08:00:00Z';
const at = (days: number) => new Date(Date.parse(migratedAt) + days * DAY);

describe('the 15-day changeopenid window', () => {
  it('is open from the migration to 15 days after it, closed after, not started before', () => {
    expect(migrationWindow(migratedAt, at(0))).toEqual({ status: 'open', closesAt: '2026-03-16T08:00:00.000Z' });
    expect(migrationWindow(migratedAt, at(15)).status).toBe('open');
    expect(migrationWindow(migratedAt, at(15.001))).toEqual({ status: 'closed', closedAt: '2026-03-16T08:00:00.000Z' });
    expect(migrationWindow(migratedAt, at(-1))).toEqual({ status: 'not_started', opensAt: '2026-03-01T08:00:00.000Z' });
    expect(migrationWindow(undefined, at(100))).toEqual({ status: 'unknown' });
  });

  it('refuses closed and not-started windows with a message naming the account and the date; open and unknown pass', () => {
    expect(windowRefusal(migrationWindow(migratedAt, at(16)), 'wxnew')).toMatch(/wxnew.*closed at 2026-03-16T08:00:00.000Z/);
    expect(windowRefusal(migrationWindow(migratedAt, at(-1)), 'wxnew')).toMatch(/only after the migration/);
    expect(windowRefusal(migrationWindow(migratedAt, at(3)), 'wxnew')).toBeNull();
    expect(windowRefusal({ status: 'unknown' }, 'wxnew')).toBeNull();
  });
});

describe('which account the openids come from: appid or gh_ original id', () => {
  const account = (appid: string, extra: Partial<Account> = {}): Account => ({ appid, kind: 'oa', secret: 's', pushFormat: 'xml', ...extra }) as Account;
  const old = account('wxold', { originalId: 'gh_old' });
  const fresh = account('wxnew', { migratedFrom: { appid: 'wxold' } });

  it('tries the form given first, then the other one when it is known', () => {
    expect(resolveMigration([old, fresh], fresh, 'wxold')).toEqual({ ok: true, oldAppid: 'wxold', fromCandidates: ['wxold', 'gh_old'] });
    expect(resolveMigration([old, fresh], fresh, 'gh_old')).toEqual({ ok: true, oldAppid: 'wxold', fromCandidates: ['gh_old', 'wxold'] });
  });

  it('accepts an old account that is no longer configured, through its appid or the new account\'s migratedFrom', () => {
    expect(resolveMigration([fresh], fresh, 'wxold')).toEqual({ ok: true, oldAppid: 'wxold', fromCandidates: ['wxold'] });
    expect(resolveMigration([fresh], fresh, 'gh_unknown')).toEqual({ ok: true, oldAppid: 'wxold', fromCandidates: ['gh_unknown', 'wxold'] });
  });

  it('refuses an unresolvable gh_ id, the same account twice, and an old account other than the configured one', () => {
    const bare = account('wxnew');
    expect(resolveMigration([bare], bare, 'gh_unknown')).toMatchObject({ ok: false, code: 'unknown_original_id' });
    expect(resolveMigration([bare], bare, 'wxnew')).toMatchObject({ ok: false, code: 'same_account' });
    expect(resolveMigration([old, fresh], fresh, 'wxother')).toMatchObject({ ok: false, code: 'migration_mismatch' });
  });
});
