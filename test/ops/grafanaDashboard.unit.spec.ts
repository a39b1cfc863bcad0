import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { REPO_ROOT } from '../support/serviceProcess.ts';

type Panel = { type: string; title: string; targets?: { expr: string }[] };
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'ops/grafana/identity-ledger.json'), 'utf8')) as { panels: Panel[] };
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'le']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or ranges. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((name) => !KEYWORDS.has(name));
}

describe('the Grafana dashboard (ops/grafana/identity-ledger.json)', () => {
  const registry = createMetrics().registry;
  const exported = new Set(
    registry.getMetricsAsArray().flatMap((metric) => {
      const name = metric.name;
      return metric.type.toString() === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    }),
  );

  it('reads only metrics the service exports', () => {
    const unknown = exprs.flatMap(({ panel, expr }) => metricNames(expr).filter((name) => !exported.has(name)).map((name) => `${panel}: ${name}`));
    expect(unknown).toEqual([]);
  });

  it("shows every one of the service's own metrics", () => {
    const used = new Set(exprs.flatMap(({ expr }) => metricNames(expr)).map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    const own = registry.getMetricsAsArray().map((m) => m.name).filter((name) => !name.startsWith('process_') && !name.startsWith('nodejs_'));
    expect(own.filter((name) => !used.has(name))).toEqual([]);
  });

  it('takes its data source from a variable, so it imports into any Grafana', () => {
    const sources = new Set(dashboard.panels.filter((p) => p.type !== 'row').map((p) => JSON.stringify((p as { datasource?: unknown }).datasource)));
    expect([...sources]).toEqual([JSON.stringify({ type: 'prometheus', uid: '${datasource}' })]);
  });
});
