import { Hono } from 'hono';
import { asyncapiDocument } from '../bus/asyncapiDocument.ts';

/** `/asyncapi.json`: the NATS subjects and event schemas, unauthenticated like /openapi.json. */
export function asyncapiRoute() {
  const app = new Hono();
  const document = asyncapiDocument();
  app.get('/asyncapi.json', (c) => c.json(document));
  return app;
}
