import type { LedgerEvent } from '../../src/ledger/events.ts';
import { earlierInstant, laterInstant } from '../eventTime.ts';
import { keyOf } from '../key.ts';
import type { AccountKind, ProjectionContext } from '../projection.ts';
import { sameIdentityRow, type IdentityRow } from './identityRow.ts';
import { inferKind } from './inferKind.ts';
import { keysOf } from './keysOf.ts';

export { keyOf } from '../key.ts';
export { keysOf } from './keysOf.ts';

/**
 * Folds one event into the identity rows it touches (see `Projection.evolve`). Events must come
 * in ledger position order: "first unionid wins" is first by position, among claims of the same
 * rank — what WeChat said outranks what an app reported, so a write key that claims a unionid
 * first cannot turn WeChat's later answer into a mere conflict.
 */
export function evolve(rows: Map<string, IdentityRow>, event: LedgerEvent, ctx: ProjectionContext): string[] {
  // An erased subject's events are redacted: they say nothing about anyone any more.
  if (event.erased || alreadyFolded(rows, event)) return [];
  switch (event.type) {
    case 'follow.subscribed':
    case 'follow.unsubscribed':
    case 'authorization.revoked':
    case 'authorization.cancelled':
    case 'profile.modified':
      return put(rows, sighting(rows, event.data.appid, event.data.openid, event, ctx, inferKind(event)));
    case 'login.recorded':
    case 'oauth.authorized':
    case 'unionid.resolved': {
      const seen = sighting(rows, event.data.appid, event.data.openid, event, ctx, inferKind(event));
      return put(rows, withUnionid(seen, event.data.unionid, claimRank(event)));
    }
    case 'openid.converted':
      return convert(rows, event, ctx);
    default:
      return [];
  }
}

export function foldAll(events: Iterable<LedgerEvent>, ctx: ProjectionContext): Map<string, IdentityRow> {
  const rows = new Map<string, IdentityRow>();
  for (const event of events) evolve(rows, event, ctx);
  return rows;
}

/**
 * The old row learns where it went; the new row learns where it came from and, lacking its own,
 * the old unionid (the person did not change, and the new account may not have asked WeChat yet).
 */
function convert(rows: Map<string, IdentityRow>, event: LedgerEvent<'openid.converted'>, ctx: ProjectionContext): string[] {
  const { fromAppid, fromOpenid, toAppid, toOpenid } = event.data;
  const from = sighting(rows, fromAppid, fromOpenid, event, ctx, undefined);
  // A retried job maps the same openid again; the latest mapping by position stands.
  const changed = put(rows, { ...from, convertedTo: { appid: toAppid, openid: toOpenid } });
  // A migration moves an account to one of the same kind.
  const to = sighting(rows, toAppid, toOpenid, event, ctx, from.kind ?? undefined);
  const inherits = from.unionid !== null && (to.unionid === null || (to.unionidReported && !from.unionidReported));
  const inherited = inherits ? withUnionid(to, from.unionid!, from.unionidReported ? 'reported' : 'verified') : to;
  const both = [...changed, ...put(rows, { ...inherited, convertedFrom: { appid: fromAppid, openid: fromOpenid } })];
  return [...new Set(both)]; // a (nonsensical) conversion onto itself touches one key
}

/** The row as it stands after this event names its key (created on first sight). */
function sighting(
  rows: Map<string, IdentityRow>,
  appid: string,
  openid: string,
  event: LedgerEvent,
  ctx: ProjectionContext,
  inferred: AccountKind | undefined,
): IdentityRow {
  const current = rows.get(keyOf(appid, openid));
  // Configuration wins; otherwise the first kind inferred sticks, so a stray event cannot flip it.
  const kind = ctx.kindOf(appid) ?? current?.kind ?? inferred ?? null;
  if (!current) {
    return {
      appid, openid, kind, unionid: null, unionidReported: false, unionidConflict: [], convertedTo: null, convertedFrom: null,
      firstSeenAt: event.occurredAt, lastSeenAt: event.occurredAt, lastPosition: event.position,
    };
  }
  return {
    ...current,
    kind,
    firstSeenAt: earlierInstant(current.firstSeenAt, event.occurredAt),
    lastSeenAt: laterInstant(current.lastSeenAt, event.occurredAt) ?? current.lastSeenAt,
    lastPosition: Math.max(current.lastPosition, event.position),
  };
}

type ClaimRank = 'verified' | 'reported';

/** WeChat's own answers are verified; a login or resolution an app reported is only a claim. */
function claimRank(event: LedgerEvent<'login.recorded' | 'oauth.authorized' | 'unionid.resolved'>): ClaimRank {
  if (event.type === 'unionid.resolved') return event.data.via === 'report' ? 'reported' : 'verified';
  if (event.type === 'login.recorded') return event.meta.source === 'api' ? 'reported' : 'verified';
  return 'verified';
}

/**
 * A claim of `unionid` for the row: the first claim of the highest rank holds the unionid; every
 * other unionid is flagged once in `unionidConflict`. A verified claim replaces a reported one
 * (which stays, flagged), and confirms a reported one of the same value.
 */
function withUnionid(row: IdentityRow, unionid: string | undefined, rank: ClaimRank): IdentityRow {
  if (unionid === undefined) return row;
  const reported = rank === 'reported';
  if (row.unionid === null) return { ...row, unionid, unionidReported: reported };
  if (unionid === row.unionid) return row.unionidReported && !reported ? { ...row, unionidReported: false } : row;
  if (row.unionidReported && !reported) {
    const conflict = [...row.unionidConflict.filter((u) => u !== unionid), ...(row.unionidConflict.includes(row.unionid) ? [] : [row.unionid])];
    return { ...row, unionid, unionidReported: false, unionidConflict: conflict };
  }
  if (row.unionidConflict.includes(unionid)) return row;
  return { ...row, unionidConflict: [...row.unionidConflict, unionid] };
}

/**
 * Folding goes in position order, so a touched row that has seen this position or a later one
 * proves this event is already in it. Skipping it makes a redelivered batch (at-least-once
 * delivery to the fold) a no-op; re-applying it would not be, since a conversion re-read today
 * copies the old row as it is now, not as it was.
 */
function alreadyFolded(rows: Map<string, IdentityRow>, event: LedgerEvent): boolean {
  return keysOf(event).some(({ appid, openid }) => (rows.get(keyOf(appid, openid))?.lastPosition ?? -1) >= event.position);
}

/** Stores `next` only if it differs, so replaying an event upserts nothing. */
function put(rows: Map<string, IdentityRow>, next: IdentityRow): string[] {
  const key = keyOf(next.appid, next.openid);
  const current = rows.get(key);
  if (current && sameIdentityRow(current, next)) return [];
  rows.set(key, next);
  return [key];
}
