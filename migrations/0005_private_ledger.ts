import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH } from '../src/ledger/hashChain.ts';
import { LEDGER_APPEND_LOCK, LEDGER_CHANNEL } from '../src/ledger/ledgerLock.ts';

/**
 * The ledger format that can forget a person (crypto-shredding, README "Erasure"):
 *
 * - `events` keeps no personal data in clear. Personal fields are sealed (AES-256-GCM) under a
 *   per-subject data key in `subject_keys`; lookups go through pseudonyms (keyed digests) in
 *   `subject`, `related` and `unionid`; idempotency keys are stored as keyed digests. The hash
 *   chain covers what is stored, so deleting a subject's key leaves it verifiable.
 * - `subject_keys` is the only mutable part of an event's meaning: deleting a row erases every
 *   event sealed under it. Keys are wrapped by the configured master key (`kid` names which).
 * - `erasure_register` remembers erased pseudonyms for a bounded time, so a late retry of a
 *   fact older than the erasure does not bring the person back.
 * - `erasures` records each erasure request and what it removed (counts, no personal data).
 * - `ledger_append` appends a whole group-commit batch in one call: lock, idempotency and
 *   expected-version checks, subject keys, the erasure register, gapless positions, the hash
 *   chain (see src/ledger/hashChain.ts, `chainLink`), the insert and the NOTIFY.
 *
 * The old clear-text format cannot be converted in place (its rows would have to be re-sealed,
 * which an immutable table forbids): a database that already holds events stops here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const held = await sql<{ n: number | string }>`select count(*) as n from events`.execute(db);
  if (Number(held.rows[0]?.n ?? 0) > 0) {
    throw new Error(
      'this database holds a ledger in the old clear-text format (before migration 0005), which cannot be converted in place: ' +
        'start the service on a new, empty database (DATABASE_URL) or, in embedded mode, move the data directory (LEDGER_DATA_DIR, default ./data) away',
    );
  }
  await sql`drop table events`.execute(db);

  await sql`
    create table events (
      position bigint primary key,
      id uuid not null unique,
      type text not null,
      stream text not null,
      stream_version integer not null,
      appid text not null,
      subject text,
      subject_key uuid,
      related text,
      unionid text,
      fingerprint text not null,
      idempotency_key text not null unique,
      data jsonb not null,
      meta jsonb not null,
      occurred_at timestamptz not null,
      recorded_at timestamptz not null,
      digest text not null,
      prev_hash text not null,
      hash text not null,
      unique (stream, stream_version)
    )`.execute(db);
  await sql`create index events_type_position on events (type, position)`.execute(db);
  await sql`create index events_appid_position on events (appid, position)`.execute(db);
  await sql`create index events_subject_position on events (subject, position) where subject is not null`.execute(db);
  await sql`create index events_related_position on events (related, position) where related is not null`.execute(db);
  await sql`create index events_unionid_position on events (unionid, position) where unionid is not null`.execute(db);
  await sql`create trigger events_no_update before update or delete on events for each row execute function events_refuse_change()`.execute(db);
  await sql`create trigger events_no_truncate before truncate on events for each statement execute function events_refuse_change()`.execute(db);

  await sql`
    create table subject_keys (
      id uuid primary key,
      subject text not null unique,
      appid text not null,
      kid text not null,
      wrapped bytea not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table erasure_register (
      subject text primary key,
      appid text not null,
      erased_at timestamptz not null,
      erasure_id uuid not null
    )`.execute(db);
  await sql`create index erasure_register_erased_at on erasure_register (erased_at)`.execute(db);
  await sql`
    create table erasures (
      id uuid primary key,
      erased_at timestamptz not null default now(),
      scope text not null check (scope in ('account', 'unionid')),
      reason text not null,
      appid text,
      subject text not null,
      result jsonb not null
    )`.execute(db);
  // Bumped by every erasure before it deletes projection rows: a projection write folded from a
  // page read before the erasure (with the keys still there) fails its checkpoint compare-and-set
  // and is folded again, so it cannot bring an erased row back (projections/applyBatch.ts).
  await sql`create table erasure_epoch (id boolean primary key default true check (id), epoch bigint not null)`.execute(db);
  await sql`insert into erasure_epoch (id, epoch) values (true, 0)`.execute(db);
  await sql`
    create table ledger_secrets (
      name text primary key,
      kid text not null,
      wrapped bytea not null,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql.raw(appendFunction).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function ledger_append`.execute(db);
  for (const table of ['ledger_secrets', 'erasure_epoch', 'erasures', 'erasure_register', 'subject_keys', 'events']) await sql`drop table ${sql.table(table)}`.execute(db);
}

/**
 * One call per group-commit batch. Arrays hold one element per event (`p_request` numbers the
 * caller each belongs to, contiguously) except `p_expected` (one per request) and the distinct
 * idempotency keys, streams and subjects (`p_keys`, `p_streams`, `p_subjects`), which the events
 * point at by "slot" (`p_key_slot`, …: 1-based positions in those arrays, computed by the
 * client) — so the loop keeps its state in arrays indexed by slot, O(1) per event. Returns one
 * row per event: `appended` (with its position, stream version and hashes), `duplicate`
 * (`o_detail` is the stored original, or `{pending: i}` for an earlier event of this call),
 * `skipped` (a late fact about an erased subject), or, once for a whole request that fails
 * alone, `conflict`, `wrong_version` or `stale_key` (the caller's cached subject key is not the
 * live one: re-read it and retry).
 *
 * Three statements: the lock; everything the decisions need, read in one snapshot taken after the
 * lock (a READ COMMITTED statement sees what committed before it began — for the lock's own
 * statement that could predate the previous holder's commit); and the inserts with the NOTIFY.
 */
const appendFunction = `
create function ledger_append(
  p_request int[], p_expected int[],
  p_id uuid[], p_type text[], p_stream text[], p_appid text[], p_subject text[], p_subject_key uuid[],
  p_related text[], p_unionid text[], p_fingerprint text[], p_idempotency_key text[],
  p_data jsonb[], p_meta jsonb[], p_occurred_at timestamptz[], p_recorded_at timestamptz[],
  p_digest text[], p_starter boolean[], p_key_kid text[], p_key_wrapped bytea[],
  p_key_slot int[], p_stream_slot int[], p_subject_slot int[], p_unionid_slot int[],
  p_keys text[], p_streams text[], p_subjects text[], p_unionids text[]
) returns table (o_request int, o_event int, o_outcome text, o_position bigint, o_stream_version int,
                 o_prev_hash text, o_hash text, o_detail jsonb)
language plpgsql as $fn$
declare
  n int := coalesce(array_length(p_id, 1), 0);
  head bigint;
  head_hash text;
  slot_existing jsonb[];
  slot_applied int[] := '{}';
  slot_version int[];
  slot_key uuid[];
  slot_erased timestamptz[];
  slot_unionid_erased timestamptz[];
  req_started int[];
  dup_of int[] := '{}';
  skip boolean[] := '{}';
  applied int[] := '{}';
  applied_position bigint[] := '{}';
  applied_version int[] := '{}';
  applied_prev text[] := '{}';
  applied_hash text[] := '{}';
  new_keys int[] := '{}';
  i int := 1;
  j int;
  r int;
  first_event int;
  last_event int;
  failure text;
  failure_detail jsonb;
  s int;
  link text;
begin
  perform pg_advisory_xact_lock(${LEDGER_APPEND_LOCK});

  select coalesce(h.position, 0), coalesce(h.hash, '${GENESIS_HASH}'),
         (select array_agg((select to_jsonb(e) || jsonb_build_object('key_kid', sk.kid, 'key_wrapped', encode(sk.wrapped, 'base64'))
                              from events e left join subject_keys sk on sk.id = e.subject_key
                             where e.idempotency_key = k.k) order by k.ord)
            from unnest(p_keys) with ordinality as k(k, ord)),
         (select array_agg(coalesce((select e.stream_version from events e where e.stream = t.s order by e.stream_version desc limit 1), 0) order by t.ord)
            from unnest(p_streams) with ordinality as t(s, ord)),
         (select array_agg((select sk.id from subject_keys sk where sk.subject = u.u) order by u.ord)
            from unnest(p_subjects) with ordinality as u(u, ord)),
         (select array_agg((select g.erased_at from erasure_register g where g.subject = u.u) order by u.ord)
            from unnest(p_subjects) with ordinality as u(u, ord)),
         (select array_agg((select g.erased_at from erasure_register g where g.subject = u.u) order by u.ord)
            from unnest(p_unionids) with ordinality as u(u, ord))
    into head, head_hash, slot_existing, slot_version, slot_key, slot_erased, slot_unionid_erased
    from (select 1) as one
    left join lateral (select e.position, e.hash from events e order by e.position desc limit 1) h on true;

  while i <= n loop
    r := p_request[i];
    first_event := i;
    while i <= n and p_request[i] = r loop i := i + 1; end loop;
    last_event := i - 1;
    failure := null;
    req_started := '{}';

    -- Decide the request without changing any state: it succeeds or fails as a whole.
    for j in first_event..last_event loop
      dup_of[j] := null;
      skip[j] := false;
      if slot_applied[p_key_slot[j]] is not null then
        if p_fingerprint[slot_applied[p_key_slot[j]]] <> p_fingerprint[j] then
          failure := 'conflict'; failure_detail := jsonb_build_object('event', j); exit;
        end if;
        dup_of[j] := slot_applied[p_key_slot[j]];
        continue;
      end if;
      if slot_existing[p_key_slot[j]] is not null then
        if slot_existing[p_key_slot[j]]->>'fingerprint' <> p_fingerprint[j] then
          failure := 'conflict'; failure_detail := jsonb_build_object('event', j); exit;
        end if;
        dup_of[j] := 0;
        continue;
      end if;
      -- A fact naming a unionid erased after it happened is dropped, whoever it is about.
      if p_unionid_slot[j] is not null and slot_unionid_erased[p_unionid_slot[j]] is not null and p_occurred_at[j] <= slot_unionid_erased[p_unionid_slot[j]] then
        skip[j] := true;
        continue;
      end if;
      if p_subject_key[j] is not null then
        s := p_subject_slot[j];
        -- A fact about an erased subject that happened before the erasure, or any later fact but
        -- one that starts a new relationship (or follows such a start in the same request), is dropped.
        if slot_erased[s] is not null and (p_occurred_at[j] <= slot_erased[s] or (slot_key[s] is null and not p_starter[j] and not s = any(req_started))) then
          skip[j] := true;
          continue;
        end if;
        if slot_key[s] is null and p_starter[j] then req_started := req_started || s; end if;
        if (slot_key[s] is not null and slot_key[s] <> p_subject_key[j]) or (slot_key[s] is null and p_key_wrapped[j] is null) then
          failure := 'stale_key'; failure_detail := jsonb_build_object('subject', p_subject[j]); exit;
        end if;
      end if;
    end loop;
    if failure is null and p_expected[r] is not null and slot_version[p_stream_slot[first_event]] <> p_expected[r] then
      failure := 'wrong_version';
      failure_detail := jsonb_build_object('expected', p_expected[r], 'actual', slot_version[p_stream_slot[first_event]]);
    end if;
    if failure is not null then
      o_request := r; o_event := first_event; o_outcome := failure; o_position := null; o_stream_version := null;
      o_prev_hash := null; o_hash := null; o_detail := failure_detail;
      return next;
      continue;
    end if;

    for j in first_event..last_event loop
      o_request := r; o_event := j; o_position := null; o_stream_version := null; o_prev_hash := null; o_hash := null; o_detail := null;
      if dup_of[j] is not null then
        o_outcome := 'duplicate';
        o_detail := case when dup_of[j] = 0 then slot_existing[p_key_slot[j]] else jsonb_build_object('pending', dup_of[j]) end;
      elsif skip[j] then
        o_outcome := 'skipped';
      else
        s := p_stream_slot[j];
        slot_version[s] := slot_version[s] + 1;
        head := head + 1;
        link := encode(sha256(convert_to(head_hash || ':' || head::text || ':' || slot_version[s]::text || ':' || p_digest[j], 'UTF8')), 'hex');
        o_outcome := 'appended'; o_position := head; o_stream_version := slot_version[s]; o_prev_hash := head_hash; o_hash := link;
        applied := applied || j;
        applied_position := applied_position || head;
        applied_version := applied_version || slot_version[s];
        applied_prev := applied_prev || head_hash;
        applied_hash := applied_hash || link;
        head_hash := link;
        slot_applied[p_key_slot[j]] := j;
        if p_subject_key[j] is not null and slot_key[p_subject_slot[j]] is null then
          slot_key[p_subject_slot[j]] := p_subject_key[j];
          new_keys := new_keys || j;
        end if;
      end if;
      return next;
    end loop;
  end loop;

  if coalesce(array_length(applied, 1), 0) > 0 then
    with keys as (
      insert into subject_keys (id, subject, appid, kid, wrapped)
      select t.key_id, t.subject, t.appid, t.kid, t.wrapped
        from unnest(p_subject_key, p_subject, p_appid, p_key_kid, p_key_wrapped) with ordinality as t(key_id, subject, appid, kid, wrapped, ord)
        join unnest(new_keys) as k(ord) using (ord)
    ), appended as (
      insert into events (position, id, type, stream, stream_version, appid, subject, subject_key, related, unionid,
                          fingerprint, idempotency_key, data, meta, occurred_at, recorded_at, digest, prev_hash, hash)
      select a.position, t.id, t.type, t.stream, a.version, t.appid, t.subject, t.subject_key, t.related, t.unionid,
             t.fingerprint, t.idempotency_key, t.data, t.meta, t.occurred_at, t.recorded_at, t.digest, a.prev, a.hash
        from unnest(applied, applied_position, applied_version, applied_prev, applied_hash) as a(ord, position, version, prev, hash)
        join unnest(p_id, p_type, p_stream, p_appid, p_subject, p_subject_key, p_related, p_unionid, p_fingerprint,
                    p_idempotency_key, p_data, p_meta, p_occurred_at, p_recorded_at, p_digest)
             with ordinality as t(id, type, stream, appid, subject, subject_key, related, unionid, fingerprint,
                                  idempotency_key, data, meta, occurred_at, recorded_at, digest, ord) using (ord)
       order by a.position
    )
    select pg_notify('${LEDGER_CHANNEL}', head::text) into link;
  end if;
end
$fn$`;
