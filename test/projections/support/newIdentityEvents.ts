import type { EventSource, NewEvent, UnionidVia } from '../../../src/ledger/events.ts';
import { at } from '../eventBuilder.ts';

/** New events as commands would append them; `key` defaults to one unique per fact. */
type Options = { minute?: number; key?: string; source?: EventSource };

let counter = 0;
const unique = (prefix: string) => `${prefix}:${++counter}:${Math.random().toString(36).slice(2)}`;
const meta = (source: EventSource, key: string) => ({ source, idempotencyKey: key });

export const newEvents = {
  subscribed(appid: string, openid: string, o: Options & { scene?: string } = {}): NewEvent {
    return {
      type: 'follow.subscribed',
      data: { appid, openid, ...(o.scene ? { scene: o.scene } : {}) },
      meta: meta(o.source ?? 'webhook', o.key ?? unique('sub')),
      occurredAt: at(o.minute ?? 0),
    };
  },
  unsubscribed(appid: string, openid: string, o: Options = {}): NewEvent {
    return { type: 'follow.unsubscribed', data: { appid, openid }, meta: meta(o.source ?? 'webhook', o.key ?? unique('unsub')), occurredAt: at(o.minute ?? 0) };
  },
  login(appid: string, openid: string, unionid?: string, o: Options = {}): NewEvent {
    return {
      type: 'login.recorded',
      data: { appid, openid, ...(unionid ? { unionid } : {}) },
      meta: meta(o.source ?? 'login', o.key ?? unique('login')),
      occurredAt: at(o.minute ?? 0),
    };
  },
  resolved(appid: string, openid: string, unionid: string, via: UnionidVia, o: Options = {}): NewEvent {
    return {
      type: 'unionid.resolved',
      data: { appid, openid, unionid, via },
      meta: meta(o.source ?? 'backfill', o.key ?? unique('resolved')),
      occurredAt: at(o.minute ?? 0),
    };
  },
  converted(fromAppid: string, fromOpenid: string, toAppid: string, toOpenid: string, o: Options = {}): NewEvent {
    return {
      type: 'openid.converted',
      data: { fromAppid, fromOpenid, toAppid, toOpenid },
      meta: meta(o.source ?? 'conversion', o.key ?? unique('converted')),
      occurredAt: at(o.minute ?? 0),
    };
  },
};
