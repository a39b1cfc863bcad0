import type { NewEvent } from '../../../src/ledger/events.ts';
import type { Ledger } from '../../../src/ledger/ledger.ts';
import { MP, NEW_OA, OA } from '../eventBuilder.ts';
import { newEvents as e } from './newIdentityEvents.ts';

/**
 * A few events per person, `people` people: follows and unfollows out of order, MP logins with
 * and without unionid, late unionid resolutions, some conversions and conflicting claims.
 */
export function peopleEvents(people: number, tag: string): NewEvent[] {
  const events: NewEvent[] = [];
  for (let i = 0; i < people; i++) {
    const oa = `${tag}-oa-${i}`;
    const mp = `${tag}-mp-${i}`;
    const u = `${tag}-u-${i}`;
    events.push(e.subscribed(OA, oa, { minute: i % 50, scene: i % 3 === 0 ? 'qrscene_x' : undefined }));
    events.push(e.login(MP, mp, i % 2 === 0 ? u : undefined, { minute: (i % 50) + 1 }));
    if (i % 4 !== 3) events.push(e.resolved(OA, oa, u, 'user_info', { minute: (i % 50) + 2 }));
    if (i % 5 === 0) events.push(e.unsubscribed(OA, oa, { minute: (i % 50) + 3 }));
    if (i % 7 === 0) events.push(e.subscribed(OA, oa, { minute: i % 50 })); // an old retry, arriving late
    if (i % 11 === 0) events.push(e.converted(OA, oa, NEW_OA, `${tag}-new-${i}`, { minute: 59 }));
    if (i % 13 === 0) events.push(e.resolved(MP, mp, `${u}-conflict`, 'decrypt', { minute: 58 }));
  }
  return events;
}

/** Appends in chunks (one transaction each); returns the head. */
export async function appendAll(ledger: Ledger, events: readonly NewEvent[], chunk = 2000): Promise<number> {
  let head = 0;
  for (let i = 0; i < events.length; i += chunk) {
    const result = await ledger.append(events.slice(i, i + chunk));
    head = Math.max(head, ...result.events.map((ev) => ev.position));
  }
  return head;
}
