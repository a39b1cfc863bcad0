import { EventEmitter } from 'node:events';
import type { LedgerEvent } from '../ledger/events.ts';
import type { Publisher } from './publisher.ts';
import { subjectOf } from './subjectOf.ts';

export type BusListener = (event: LedgerEvent, subject: string) => void;

/**
 * The embedded default's bus: no NATS, the same subjects, delivered to in-process subscribers.
 * `subscribe('identity.events.follow.>')` uses NATS-style wildcards.
 */
export function createInProcessBus(): Publisher & { subscribe(pattern: string, listener: BusListener): () => void } {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    name: 'in-process',
    connected: true,
    async publish(events) {
      for (const event of events) emitter.emit('event', event, subjectOf(event));
      return { acked: events.length };
    },
    subscribe(pattern, listener) {
      const matches = subjectMatcher(pattern);
      const wrapped = (event: LedgerEvent, subject: string) => {
        if (matches(subject)) listener(event, subject);
      };
      emitter.on('event', wrapped);
      return () => emitter.off('event', wrapped);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function subjectMatcher(pattern: string): (subject: string) => boolean {
  const want = pattern.split('.');
  return (subject) => {
    const have = subject.split('.');
    for (let i = 0; i < want.length; i++) {
      if (want[i] === '>') return have.length > i;
      if (want[i] !== '*' && want[i] !== have[i]) return false;
      if (have[i] === undefined) return false;
    }
    return have.length === want.length;
  };
}
