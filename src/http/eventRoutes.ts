import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { Service } from '../createService.ts';
import { EVENT_TYPES, type EventType } from '../ledger/events.ts';
import type { ReadFilter } from '../ledger/readEvents.ts';
import { ERRORS, EnvelopeSchema, errorResponses } from './schemas.ts';
import { grantOf, requireAppids, type createAuth } from './auth.ts';
import { HttpError } from './errorResponse.ts';
import { routeAccess } from './routeAccess.ts';
import { EXAMPLE, exampleEvent } from './openapiExamples.ts';

const EventsQuery = z.object({
  after: z.coerce.number().int().nonnegative().optional().openapi({ description: 'cursor: events with position > after (the `next` of the previous page)', example: 4800 }),
  limit: z.coerce.number().int().min(1).max(10_000).optional().openapi({ description: 'page size (JSON), default 100; total cap (NDJSON)', example: 100 }),
  type: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.split(',').every((t) => (EVENT_TYPES as string[]).includes(t)), 'unknown event type')
    .openapi({ description: `comma-separated event types: ${EVENT_TYPES.join(', ')}`, example: 'follow.subscribed,follow.unsubscribed' }),
  appid: z.string().max(64).optional().openapi({ description: 'events about this account (for a conversion: the old account)', example: EXAMPLE.oaAppid }),
  openid: z.string().max(128).optional().openapi({ description: "one user's events (matched by pseudonym: the openid is not stored in clear); an erased person's redacted events are not found by their openid", example: EXAMPLE.openid }),
  unionid: z.string().max(128).optional().openapi({ description: 'events that name this unionid (not the redacted ones of an erased person)', example: EXAMPLE.unionid }),
});

/**
 * Without `appid`, the audit trail of every account; a key limited to appids must name one of
 * them (a key limited to exactly one reads that one's trail by default).
 */
function onlyAppidOf(c: Context): string | undefined {
  const allowed = grantOf(c).appids;
  if (!allowed) return undefined;
  if (allowed.size === 1) return [...allowed][0];
  throw new HttpError(403, 'forbidden', `this API key is limited to appids ${[...allowed].join(', ')}: pass ?appid=`);
}

/** The audit trail: the ledger in position order, paged by cursor, or streamed as NDJSON. */
export function eventRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const maxStreams = service.config.maxEventStreams;
  const stallMs = service.config.eventStreamStallSeconds * 1000;
  let openStreams = 0;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events',
      tags: ['Audit trail'],
      summary: 'The audit trail in position order (Accept: application/x-ndjson streams it)',
      ...routeAccess(
        requireScope,
        'read',
        {
          accepted: true,
          checks: ['query appid'],
          rule: '`?appid=` must be one of the key\'s (403 `forbidden` otherwise); without it, a key limited to one appid reads that account\'s trail, and a key limited to several must pass `?appid=` (403).',
        },
        'The ledger in position order, filtered, paged by `after`/`next`. With `Accept: application/x-ndjson` the events up to the head at the time of the request are streamed, one JSON envelope a line (at most `maxEventStreams` streams at once per instance).',
      ),
      request: { query: EventsQuery },
      responses: {
        200: {
          description: 'a page of events; `next` is the cursor for the following page, null at the end',
          content: {
            'application/json': {
              schema: z
                .object({ events: z.array(EnvelopeSchema), next: z.number().int().nullable().openapi({ example: 4822 }) })
                .openapi({ example: { events: [exampleEvent('follow.subscribed'), exampleEvent('unionid.resolved')], next: 4 } }),
            },
            'application/x-ndjson': {
              schema: z.string().openapi({
                description: 'one event envelope (see Event) per line',
                example: `${JSON.stringify(exampleEvent('follow.subscribed'))}\n${JSON.stringify(exampleEvent('unionid.resolved'))}\n`,
              }),
            },
          },
        },
        ...errorResponses(ERRORS.internal, ERRORS.database, {
          400: { invalid_request: '`after`, `limit` or `type` is not valid' },
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `read` scope, `?appid=` is not one of its appids, or it has several appids and no `?appid=` was given' },
          503: { too_many_event_streams: 'NDJSON only' },
        }),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const appid = query.appid ?? onlyAppidOf(c);
      requireAppids(c, [appid]);
      const filter: ReadFilter = {
        after: query.after ?? 0,
        ...(query.type ? { type: query.type.split(',') as EventType[] } : {}),
        ...(appid ? { appid } : {}),
        ...(query.openid ? { openid: query.openid } : {}),
        ...(query.unionid ? { unionid: query.unionid } : {}),
      };
      if ((c.req.header('accept') ?? '').includes('application/x-ndjson')) {
        // Each stream reads the ledger page after page and holds a connection meanwhile: a few
        // clients opening many would starve the webhook of both.
        if (openStreams >= maxStreams) {
          c.header('retry-after', '1');
          throw new HttpError(503, 'too_many_event_streams', `${maxStreams} event streams are open; retry shortly, or page with ?after=`);
        }
        openStreams++;
        let released = false;
        const release = () => {
          if (!released) openStreams--;
          released = true;
        };
        let upTo: number;
        try {
          // A snapshot: the stream ends at the head as it was when the request arrived.
          upTo = await service.ledger.head();
        } catch (error) {
          release();
          throw error;
        }
        let remaining = query.limit ?? Number.POSITIVE_INFINITY;
        const gone = c.req.raw.signal;
        // The Node response under @hono/node-server: destroying it is what cuts a stalled client.
        const connection = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
        c.header('content-type', 'application/x-ndjson');
        return stream(c, async (out) => {
          try {
            let after = filter.after ?? 0;
            // A client that went away stops the reading: its writes would only be dropped.
            while (remaining > 0 && !out.aborted && !gone.aborted) {
              const page = await service.ledger.read({ ...filter, after, upTo, limit: Math.min(1000, remaining) });
              if (page.length === 0) break;
              // A write waits for the client to read (backpressure). One that still waits after
              // eventStreamStallSeconds is a client that stopped reading but keeps the connection
              // open: cut it, so it cannot hold a stream slot (and a connection) forever.
              if ((await writeWithin(out, page.map((event) => JSON.stringify(event)).join('\n') + '\n', stallMs)) === 'stalled') {
                service.logger.warn({ stallSeconds: stallMs / 1000 }, 'event stream: the client stopped reading; connection cut');
                out.abort();
                connection?.destroy();
                break;
              }
              after = page[page.length - 1]!.position;
              remaining -= page.length;
            }
          } finally {
            release();
          }
        }) as never;
      }
      const limit = query.limit ?? 100;
      const events = await service.ledger.read({ ...filter, limit });
      const next = events.length === limit ? events[events.length - 1]!.position : null;
      return c.json({ events: events as z.infer<typeof EnvelopeSchema>[], next }, 200);
    },
  );
  return app;
}

/** Writes `text`, or gives up when the write has waited `ms` (the client is not reading). */
async function writeWithin(out: { write(text: string): Promise<unknown> }, text: string, ms: number): Promise<'written' | 'stalled'> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), ms);
  });
  try {
    return await Promise.race([out.write(text).then(() => 'written' as const), stalled]);
  } finally {
    clearTimeout(timer);
  }
}
