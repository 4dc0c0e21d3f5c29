import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { load } from 'js-yaml';
import { Histogram } from 'prom-client';
import { LedgerMetrics } from '../accounts/ledger-metrics';
import { ReconciliationService } from '../accounts/reconciliation.service';
import { DepositWatcherMetrics } from '../blockchain/evm/deposit-watcher/deposit-watcher.metrics';
import { EngineMetrics } from '../engine/engine-metrics';
import { NotificationMetrics } from '../notifications/notification-metrics';
import { QueueMetrics } from '../queues/queue-metrics';
import { RealtimeConnections } from '../realtime/realtime-connections';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import { RoundEngineMetrics } from '../rounds/round-engine.metrics';
import { FeedMetrics } from '../trades/feed/feed-metrics';
import { PerpTriggerDriver } from '../trades/venue/perp-trigger-driver';
import { MetricsService } from './metrics.service';
import { VenueMetrics } from './venue-metrics';

const ROOT = join(__dirname, '..', '..');
const ALERTS = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'cash-markets.json');

/** Series Prometheus adds itself, and the labels every scraped series carries. */
const PROMETHEUS_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const TARGET_LABELS = ['job', 'instance'];

/**
 * The app's registry as `/metrics` serves it: every class that registers metrics, built on one MetricsService
 * with stand-ins for what they read at scrape time (constructors only register). A new metric class belongs here.
 */
function appRegistry(): MetricsService {
  const metrics = new MetricsService();
  const none = {} as never;
  const venues = new VenueMetrics(metrics);
  new EngineMetrics(metrics);
  new FeedMetrics(metrics, none);
  new RealtimeConnections(none, none, none, metrics);
  new RealtimePublisher(none, none, metrics);
  new ReconciliationService(none, none, metrics);
  new LedgerMetrics(none, none, venues, metrics);
  new QueueMetrics(none, metrics);
  new RoundEngineMetrics(metrics);
  new PerpTriggerDriver(none, none, metrics);
  new DepositWatcherMetrics(metrics);
  new NotificationMetrics(metrics);
  return metrics;
}

/** Series name → the labels it may carry (a histogram exposes _bucket with `le`, _sum and _count). */
function seriesOf(metrics: MetricsService): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const metric of metrics.registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[] }[]) {
    const labels = [...(metric.labelNames ?? []), ...TARGET_LABELS];
    if (metric instanceof Histogram) {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, new Set(labels));
      series.set(`${metric.name}_count`, new Set(labels));
    } else {
      series.set(metric.name, new Set(labels));
    }
  }
  return series;
}

interface Selector {
  metric: string;
  labels: string[];
}

/** Parses a PromQL expression: syntax errors (with where they are) and the vector selectors it uses. */
function parsePromql(expr: string): { errors: string[]; selectors: Selector[] } {
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        const labels = node.node
          .getChild('LabelMatchers')
          ?.getChildren('UnquotedLabelMatcher')
          .map((matcher) => matcher.getChild('LabelName'))
          .filter((label) => label !== null)
          .map((label) => expr.slice(label.from, label.to));
        if (identifier) selectors.push({ metric: expr.slice(identifier.from, identifier.to), labels: labels ?? [] });
      }
    },
  });
  return { errors, selectors };
}

/** What is wrong with an expression: syntax, metrics the app does not expose, labels those metrics do not have. */
function problemsOf(expr: string, series: Map<string, Set<string>>): string[] {
  const { errors, selectors } = parsePromql(expr);
  const problems = [...errors];
  if (selectors.length === 0) problems.push('selects no metric');
  for (const { metric, labels } of selectors) {
    if (PROMETHEUS_SERIES.has(metric)) continue;
    const known = series.get(metric);
    if (!known) {
      problems.push(`unknown metric ${metric}`);
      continue;
    }
    for (const label of labels) if (!known.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  return problems;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

describe('Prometheus alert rules and the Grafana dashboard', () => {
  const series = seriesOf(appRegistry());
  const rules = load(readFileSync(ALERTS, 'utf8')) as RuleFile;
  const allRules = rules.groups.flatMap((group) => group.rules.map((rule) => ({ group: group.name, ...rule })));

  it('checks expressions for real: a typo, an unknown metric and an unknown label are caught', () => {
    expect(problemsOf('sum(rate(http_request_duration_seconds_count[5m])', series)).not.toEqual([]);
    expect(problemsOf('rate(http_requests_total[5m]) > 0', series)).toEqual(['unknown metric http_requests_total']);
    expect(problemsOf('job_queue_jobs{queeu="withdrawals"}', series)).toEqual(['job_queue_jobs has no label queeu']);
    expect(problemsOf('max by (queue) (job_queue_jobs{state="failed"}) > 0', series)).toEqual([]);
  });

  it('is a well-formed rule file: named groups, each rule an alert with an expression, severity and summary', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    const names = allRules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of allRules) {
      expect(rule).toMatchObject({ alert: expect.stringMatching(/^[A-Z][A-Za-z0-9]+$/), expr: expect.any(String) });
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toEqual(expect.any(String));
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
    }
  });

  it.each(allRules.map((rule) => [rule.alert!, rule.expr]))('%s parses and names only metrics and labels the app exposes', (_name, expr) => {
    expect(problemsOf(expr, series)).toEqual([]);
  });

  it('covers what the operators asked to be woken for', () => {
    const exprs = allRules.map((rule) => rule.expr).join('\n');
    for (const metric of [
      'ledger_reconciliation_ok',
      'round_last_tick_age_seconds',
      'engine_tick_lag_seconds_bucket',
      'perp_feed_seconds_since_last_quote',
      'job_queue_oldest_waiting_seconds',
      'job_queue_deadline_seconds',
      'job_failures_total',
      'http_request_duration_seconds_count',
    ]) {
      expect(exprs).toContain(metric);
    }
  });

  it('has a dashboard whose every panel query parses and names only metrics the app exposes', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: { title: string; type: string; targets?: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('cash-markets');
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    expect(queries.length).toBeGreaterThan(20);
    // Grafana's interval variables become a duration before Prometheus sees the query.
    const problems = queries.flatMap(({ panel, expr }) => problemsOf(expr.replaceAll('$__rate_interval', '5m'), series).map((problem) => `${panel}: ${problem}`));
    expect(problems).toEqual([]);
  });

  it('knows every class that registers metrics (a new one belongs in appRegistry above)', () => {
    const registering: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && /new (Gauge|Counter|Histogram|Summary)\(/.test(readFileSync(path, 'utf8'))) {
          registering.push(path.slice(join(ROOT, 'src').length + 1));
        }
      }
    };
    walk(join(ROOT, 'src'));
    expect(registering.sort()).toEqual(
      [
        'accounts/ledger-metrics.ts',
        'accounts/reconciliation.service.ts',
        'blockchain/evm/deposit-watcher/deposit-watcher.metrics.ts',
        'engine/engine-metrics.ts',
        'health/metrics.service.ts',
        'health/venue-metrics.ts',
        'notifications/notification-metrics.ts',
        'queues/queue-metrics.ts',
        'realtime/realtime-connections.ts',
        'realtime/realtime.publisher.ts',
        'rounds/round-engine.metrics.ts',
        'trades/feed/feed-metrics.ts',
        'trades/venue/perp-trigger-driver.ts',
      ].sort(),
    );
  });
});
