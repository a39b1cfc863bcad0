import { sql, type Kysely } from 'kysely';
import { openidOf, relatedOf } from '../ledger/events.ts';
import type { LedgerPrivacy } from '../ledger/ledger.ts';
import { openEvent, type EventRow } from '../ledger/openEvent.ts';

/** What an erasure is asked to forget: one account's user, or a person across every app under a unionid. */
export type ErasureTarget = { appid: string; openid: string } | { unionid: string };

/**
 * One data subject an erasure covers: its pseudonym, its account, its live key (null when it
 * has none any more) and its openid when known (needed to delete the clear-keyed copies:
 * projection rows, session keys, job work lists).
 */
export type ErasedSubject = {
  subject: string;
  appid: string;
  keyId: string | null;
  openid: string | null;
  /**
   * The ledger holds readable data about it: its own key is live, or another live key's event
   * names it (the new side of a conversion has no events of its own until it acts).
   */
  seen: boolean;
};

/**
 * The subjects an erasure covers. For a unionid, every identity whose events named it. Then,
 * transitively, both sides of every openid conversion (主体变更): the old and the new openid are
 * the same person's relationship with the business, and a conversion event names both, so
 * forgetting one side alone would leave the other readable in it.
 */
export async function findSubjects(trx: Kysely<any>, privacy: LedgerPrivacy, target: ErasureTarget): Promise<ErasedSubject[]> {
  const found = new Map<string, { appid: string; openid: string | null }>();
  // The new side of a conversion may have no key of its own yet; its openid is in the conversion
  // event, sealed under the old side's key — so every covered subject is looked for there too.
  if ('unionid' in target) {
    const { rows } = await sql<{ subject: string; appid: string }>`
      select distinct subject, appid from events where unionid = ${privacy.pseudonyms.unionid(target.unionid)} and subject is not null`.execute(trx);
    for (const row of rows) found.set(row.subject, { appid: row.appid, openid: null });
  } else {
    found.set(privacy.pseudonyms.subject(target.appid, target.openid), { appid: target.appid, openid: target.openid });
  }
  for (let frontier = [...found.keys()]; frontier.length > 0; ) {
    const { rows } = await sql<{ subject: string; appid: string; related: string; to_appid: string }>`
      select distinct subject, appid, related, data->>'toAppid' as to_appid from events
      where type = 'openid.converted' and (subject = any(${frontier}::text[]) or related = any(${frontier}::text[]))`.execute(trx);
    frontier = [];
    for (const row of rows) {
      for (const [subject, appid] of [[row.subject, row.appid], [row.related, row.to_appid]] as const) {
        if (!found.has(subject)) {
          found.set(subject, { appid, openid: null });
          frontier.push(subject);
        }
      }
    }
  }
  const subjects = [...found.keys()];
  const { rows: keys } = await sql<{ id: string; subject: string }>`select id, subject from subject_keys where subject = any(${subjects}::text[])`.execute(trx);
  const keyOf = new Map(keys.map((key) => [key.subject, key.id]));
  const result: ErasedSubject[] = [];
  for (const [subject, { appid, openid }] of found) {
    const keyId = keyOf.get(subject) ?? null;
    const readable = await openidOfSubject(trx, privacy, subject);
    result.push({ subject, appid, keyId, openid: openid ?? readable, seen: keyId !== null || readable !== null });
  }
  return result;
}

/** The openid behind a pseudonym, from any still-readable event that names it (own or as the new side of a conversion). */
async function openidOfSubject(trx: Kysely<any>, privacy: LedgerPrivacy, subject: string): Promise<string | null> {
  const { rows } = await sql<EventRow>`
    select e.*, k.kid as key_kid, k.wrapped as key_wrapped
    from events e join subject_keys k on k.id = e.subject_key
    where (e.subject = ${subject} or e.related = ${subject}) and e.data ? 'sealed'
    order by e.position limit 1`.execute(trx);
  const row = rows[0];
  if (!row) return null;
  const event = openEvent(row, privacy.subjectKeys);
  const data = event.data as Record<string, unknown>;
  return row.subject === subject ? openidOf(event.type, data) : (relatedOf(event.type, data)?.openid ?? null);
}
