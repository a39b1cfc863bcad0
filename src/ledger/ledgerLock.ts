import { lockKey } from './openStorage.ts';

/**
 * Serializes appends (and erasures, which append) across every process that shares the
 * database: a transaction-scoped advisory lock held until commit, which makes positions gapless
 * and commit-ordered. The append function in migration 0005 takes it by this number.
 */
export const LEDGER_APPEND_LOCK = lockKey('identity-ledger:append');

/** NOTIFY channel of every commit that appended; the payload is the new head position. */
export const LEDGER_CHANNEL = 'identity_ledger_appended';
