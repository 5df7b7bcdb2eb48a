import { describe, expect, it } from 'vitest';
import { buildClusterReport, printClusterReport } from '../../bench/realtime/cluster-report.js';
import { parseClusterMetrics } from '../../bench/realtime/cluster-metrics.js';
import { OrderRoutes } from '../../bench/realtime/order-routes.js';

const scrape = (answered: number) => parseClusterMetrics([
  `risk_engine_cluster_forwarded_total{kind="order",outcome="answered"} ${answered}`,
  'risk_engine_cluster_forwarded_total{kind="order",outcome="moving"} 0',
  'risk_engine_cluster_forwarded_total{kind="order",outcome="failed"} 0',
  `risk_engine_cluster_forward_seconds_bucket{kind="order",le="0.001"} ${answered}`,
  `risk_engine_cluster_forward_seconds_bucket{kind="order",le="+Inf"} ${answered}`,
  'risk_engine_cluster_partitions_owned 128',
].join('\n') + '\n');

describe('the scale-out report', () => {
  it('puts each engine\'s window, client split and resources under its id and totals the forwards', () => {
    const routes = new OrderRoutes(['e1', 'e2'], Array.from({ length: 256 }, (_, p) => (p < 128 ? 'e1' : 'e2')));
    routes.record(0, 'local', 1);
    routes.record(0, 'forwarded', 2);
    routes.record(1, 'forwarded', 3);
    const r = buildClusterReport({
      ids: ['e1', 'e2'], partitions: 256, pollMs: 200, sessionTimeoutMs: 3000, routes: routes.summary(),
      before: [scrape(0), scrape(10)], after: [scrape(4), scrape(16)], recalcsPerSec: [100, 200], rssMb: [300, 310], takeover: null,
    });
    expect(r.perEngine.map((e) => [e.engineId, e.forwarded.answered, e.client.forwarded.count, e.recalcsPerSec, e.rssMb])).toEqual([['e1', 4, 1, 100, 300], ['e2', 6, 1, 200, 310]]);
    expect(r.total.forwardOrder.count).toBe(10);
    expect(r.total.forwardedShare).toBeCloseTo(2 / 3);
    let out = '';
    printClusterReport(r, (s) => (out += s));
    expect(out).toMatch(/forwarded share 66\.7% \(expected 50\.0%\)/);
    expect(out).toMatch(/takeover: not measured/);
  });

  it('refuses figures that do not cover every engine', () => {
    const routes = new OrderRoutes(['e1', 'e2'], []);
    expect(() => buildClusterReport({
      ids: ['e1', 'e2'], partitions: 256, pollMs: 200, sessionTimeoutMs: 3000, routes: routes.summary(),
      before: [scrape(0), scrape(0)], after: [scrape(0), scrape(0)], recalcsPerSec: [1], rssMb: [1, 1], takeover: null,
    })).toThrow(/no figure for engine e2/);
  });
});
