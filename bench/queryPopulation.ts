// The people behind the query benchmark: what the ledger records about person i, and what the
// query routes must therefore answer about them. Both come from the same few rules, so the load
// side can check answers without asking the database.
import type { NewEvent } from '../src/ledger/events.ts';

/** The accounts the service is configured with (the projections take the kind from here). */
export const QUERY_OA = 'wxbenchquery00oa1';
export const QUERY_MP = 'wxbenchquery00mp1';
export const QUERY_API_KEY = 'bench-read-key-0123456789';
/** The master key of the service child, and of the ledger that writes its population: both must open the same keys. */
export const QUERY_MASTER_KEY = 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=';

const BASE = Date.UTC(2024, 0, 1);

export const oaOpenid = (i: number) => `oQryOA${String(i).padStart(22, '0')}`;
export const mpOpenid = (i: number) => `oQryMP${String(i).padStart(22, '0')}`;
export const unionidOf = (i: number) => `uQry${String(i).padStart(24, '0')}`;

/** Who person i is: the facts the ledger holds about them. */
export function person(i: number) {
  return {
    /** The mini program login carried a unionid (75 %). */
    mpUnionid: i % 4 !== 3,
    /** The Official Account's user/info lookup resolved the unionid (80 %). */
    oaUnionid: i % 5 < 4,
    /** Unsubscribed after subscribing (20 %). */
    unsubscribed: i % 5 === 2,
    scene: i % 3 === 0 ? `qrscene_campaign${i % 7}` : null,
    subscribedAt: new Date(BASE + i * 1000).toISOString(),
    unsubscribedAt: new Date(BASE + i * 1000 + 3 * 60_000).toISOString(),
  };
}

/** Person i's events in the order they happened: 2.8 events per person on average. */
export function personEvents(i: number): NewEvent[] {
  const p = person(i);
  const at = (minutes: number) => new Date(BASE + i * 1000 + minutes * 60_000).toISOString();
  const meta = (kind: string, source: NewEvent['meta']['source']) => ({ source, idempotencyKey: `bench-query:${kind}:${i}` });
  const events: NewEvent[] = [
    {
      type: 'follow.subscribed',
      data: { appid: QUERY_OA, openid: oaOpenid(i), ...(p.scene ? { scene: p.scene } : {}) },
      meta: meta('sub', 'webhook'),
      occurredAt: p.subscribedAt,
    },
    {
      type: 'login.recorded',
      data: { appid: QUERY_MP, openid: mpOpenid(i), ...(p.mpUnionid ? { unionid: unionidOf(i) } : {}) },
      meta: meta('login', 'login'),
      occurredAt: at(1),
    },
  ];
  if (p.oaUnionid) {
    events.push({ type: 'unionid.resolved', data: { appid: QUERY_OA, openid: oaOpenid(i), unionid: unionidOf(i), via: 'user_info' }, meta: meta('resolved', 'webhook'), occurredAt: at(2) });
  }
  if (p.unsubscribed) {
    events.push({ type: 'follow.unsubscribed', data: { appid: QUERY_OA, openid: oaOpenid(i) }, meta: meta('unsub', 'webhook'), occurredAt: p.unsubscribedAt });
  }
  return events;
}

type Follow = { subscribed: boolean; subscribedAt: string | null; unsubscribedAt: string | null; scene: string | null; source: string };
type Account = { appid: string; openid: string; kind: 'oa' | 'mp' };

function oaFollow(i: number): Follow {
  const p = person(i);
  // The unsubscribe decides; the subscribe before it keeps its time and scene.
  return { subscribed: !p.unsubscribed, subscribedAt: p.subscribedAt, unsubscribedAt: p.unsubscribed ? p.unsubscribedAt : null, scene: p.scene, source: 'webhook' };
}

/** Accounts holding unionidOf(i), in the order the API lists them (appid, then openid). */
function accountsOf(i: number): Account[] {
  const p = person(i);
  const accounts: Account[] = [];
  if (p.mpUnionid) accounts.push({ appid: QUERY_MP, openid: mpOpenid(i), kind: 'mp' });
  if (p.oaUnionid) accounts.push({ appid: QUERY_OA, openid: oaOpenid(i), kind: 'oa' });
  return accounts.sort((a, b) => (a.appid < b.appid ? -1 : a.appid > b.appid ? 1 : 0));
}

/** The answer the API owes: its status and body (for a 404, the error code). */
export type Expected = { status: number; body: unknown };

export function expectedUser(i: number, kind: 'oa' | 'mp'): Expected {
  const p = person(i);
  const self: Account = kind === 'oa' ? { appid: QUERY_OA, openid: oaOpenid(i), kind } : { appid: QUERY_MP, openid: mpOpenid(i), kind };
  const hasUnionid = kind === 'oa' ? p.oaUnionid : p.mpUnionid;
  return {
    status: 200,
    body: {
      ...self,
      unionid: hasUnionid ? unionidOf(i) : null,
      follow: kind === 'oa' ? oaFollow(i) : null,
      linked: hasUnionid ? accountsOf(i).filter((a) => a.appid !== self.appid) : [],
      convertedTo: null,
      convertedFrom: null,
    },
  };
}

export function expectedUnionid(i: number): Expected {
  const accounts = accountsOf(i);
  if (accounts.length === 0) return { status: 404, body: 'unionid_not_found' };
  return { status: 200, body: { unionid: unionidOf(i), accounts: accounts.map((a) => ({ ...a, follow: a.kind === 'oa' ? oaFollow(i) : null })) } };
}

export function expectedFollowStatus(i: number): Expected {
  const p = person(i);
  return { status: 200, body: p.oaUnionid ? { subscribed: !p.unsubscribed, openid: oaOpenid(i) } : { subscribed: false, openid: null } };
}
