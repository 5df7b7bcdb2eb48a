/**
 * The pieces of GET /metrics that need no running engine: the allocation-free histogram as the
 * registry prints it, the tick-to-risk pairing of a risk snapshot with its tick's arrival, the scrape
 * token comparison, the METRICS_* settings, and the bench's quantile estimate from buckets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isScrapeToken } from '../../src/gateway/metrics-route.js';
import { FixedHistogram } from '../../src/metrics/fixed-histogram.js';
import { RealtimeMetrics } from '../../src/metrics/realtime-metrics.js';
import { bucketsBetween, parseHistograms, quantileMs } from '../../bench/realtime/server-metrics.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-metrics-units-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('FixedHistogram', () => {
  it('prints cumulative buckets, +Inf, sum and count per label value, as prom-client prints its own', async () => {
    const registry = new Registry();
    const h = new FixedHistogram<'a' | 'b'>('t_seconds', 'a test', [0.1, 1], { name: 'kind', values: ['a', 'b'] }).registerIn(registry);
    const a = h.child('a');
    for (const v of [0.05, 0.1, 0.5, 3]) a.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_seconds histogram');
    expect(text).toContain('t_seconds_bucket{kind="a",le="0.1"} 2');
    expect(text).toContain('t_seconds_bucket{kind="a",le="1"} 3');
    expect(text).toContain('t_seconds_bucket{kind="a",le="+Inf"} 4');
    expect(text).toContain('t_seconds_sum{kind="a"} 3.65');
    expect(text).toContain('t_seconds_count{kind="a"} 4');
    expect(text).toContain('t_seconds_count{kind="b"} 0');
  });

  it('refuses buckets that do not ascend, and a label value it was not given', () => {
    expect(() => new FixedHistogram('x', 'x', [1, 1])).toThrow(/ascend/);
    expect(() => new FixedHistogram<'a'>('y', 'y', [1], { name: 'k', values: ['a'] }).child('b' as 'a')).toThrow(/no child/);
  });
});

describe('RealtimeMetrics', () => {
  it('measures tick-to-risk from the arrival of the tick a snapshot includes, and ignores a snapshot of a tick it never saw', async () => {
    const m = new RealtimeMetrics();
    const ts = 1_765_000_000_123.25;
    m.tickArrived(ts, m.now() - 3);
    m.riskSent(ts);
    m.riskSent(ts + 1);
    m.riskSent(0);
    const h = await m.tickToRisk.get();
    const count = h.values.find((v) => v.metricName === 'risk_engine_tick_to_risk_seconds_count');
    const sum = h.values.find((v) => v.metricName === 'risk_engine_tick_to_risk_seconds_sum');
    expect(count?.value).toBe(1);
    expect(sum?.value).toBeGreaterThanOrEqual(0.003);
  });

  it('observes order-to-ack by outcome', async () => {
    const m = new RealtimeMetrics();
    m.orderAnswered(m.now(), true);
    m.orderAnswered(m.now(), false);
    m.orderAnswered(m.now(), false);
    const values = (await m.orderToAck.get()).values.filter((v) => v.metricName === 'risk_engine_order_to_ack_seconds_count');
    expect(values.map((v) => [v.labels.outcome, v.value])).toEqual([['ack', 1], ['reject', 2]]);
  });
});

describe('the scrape token', () => {
  it('matches only the configured token, and nothing when none is configured', () => {
    const token = 'x'.repeat(40);
    expect(isScrapeToken(token, token)).toBe(true);
    expect(isScrapeToken(`${token}y`, token)).toBe(false);
    expect(isScrapeToken(undefined, token)).toBe(false);
    expect(isScrapeToken(token, undefined)).toBe(false);
  });
});

describe('METRICS_ENABLED and METRICS_TOKEN', () => {
  it('default to metrics on without a scrape token', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).metrics).toEqual({ enabled: true });
    expect(loadConfig({ DATA_DIR: dataDir, METRICS_ENABLED: 'false', METRICS_TOKEN: 'a'.repeat(32) }).metrics).toEqual({ enabled: false, token: 'a'.repeat(32) });
  });

  it('refuses a short METRICS_TOKEN and a METRICS_ENABLED that is not true or false, naming both', () => {
    let problems = '';
    try {
      loadConfig({ DATA_DIR: dataDir, METRICS_TOKEN: 'short', METRICS_ENABLED: 'yes' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      problems = (e as ConfigError).problems.join('\n');
    }
    expect(problems).toMatch(/METRICS_TOKEN/);
    expect(problems).toMatch(/METRICS_ENABLED/);
  });
});

describe("the bench's server-side quantiles", () => {
  it('subtracts two scrapes and interpolates within a bucket as histogram_quantile does', () => {
    const scrape = (n1: number, n2: number, inf: number) => parseHistograms([
      `risk_engine_order_to_ack_seconds_bucket{outcome="ack",le="0.001"} ${n1}`,
      `risk_engine_order_to_ack_seconds_bucket{outcome="ack",le="0.002"} ${n2}`,
      `risk_engine_order_to_ack_seconds_bucket{outcome="ack",le="+Inf"} ${inf}`,
      `risk_engine_order_to_ack_seconds_bucket{outcome="reject",le="0.001"} 99`,
    ].join('\n'));
    const window = bucketsBetween(scrape(10, 10, 10).orderToAck, scrape(60, 110, 110).orderToAck);
    expect(window.cumulative).toEqual([50, 100, 100]);
    expect(quantileMs(window, 0.5)).toBeCloseTo(1, 6);
    expect(quantileMs(window, 0.75)).toBeCloseTo(1.5, 6);
    expect(quantileMs(bucketsBetween(window, window), 0.5)).toBeNaN();
  });
});
