import type { Config } from './config/schema.ts';

/**
 * What `serve` prints when it listens. Production (PostgreSQL) gets the endpoints an operator
 * needs and nothing to copy from a tutorial; the embedded mode gets the demo's next steps, with
 * the demo API key when (and only when) the demo configuration is in use — its key is published
 * in the README anyway, a real one is never printed.
 */
export function startupBanner(url: string, config: Config): string {
  const production = Boolean(config.databaseUrl);
  const lines = [
    `identity-ledger listening on ${url} (${production ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`}, ${config.natsUrl ? 'NATS JetStream' : 'in-process bus'})`,
    `  API docs:   ${url}/docs`,
  ];
  if (production) {
    lines.push(`  Probes:     ${url}/healthz, ${url}/readyz, metrics at ${url}/metrics`);
    if (config.role === 'api') lines.push('  Role:       api (LEDGER_ROLE): HTTP only; an instance with LEDGER_ROLE=all on this database runs the relay, projections, reactors and jobs');
    if (config.usingDemoConfig) lines.push('  WARNING:    the demo configuration (published API key) is in use: set LEDGER_CONFIG');
    return lines.join('\n');
  }
  const demoKey = config.usingDemoConfig ? config.apiKeys[0]?.key : undefined;
  const key = demoKey ?? '<an apiKeys key of your configuration>';
  const oa = config.accounts.find((a) => a.kind === 'oa' && a.token);
  if (oa && pointsAtSimulator(config)) {
    lines.push(
      `  Try it:     npx identity-ledger simulate              # WeChat simulator on ${config.wechat.apiBase} (another terminal)`,
      `              npx identity-ledger send-push --appid ${oa.appid} --mode safe`,
      `              curl -H 'Authorization: Bearer ${key}' ${url}/v1/events`,
    );
  } else {
    lines.push(`  Audit trail: curl -H 'Authorization: Bearer ${key}' ${url}/v1/events`);
  }
  return lines.join('\n');
}

/** The simulator runs locally; WeChat never does. */
function pointsAtSimulator(config: Config): boolean {
  const host = new URL(config.wechat.apiBase).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}
