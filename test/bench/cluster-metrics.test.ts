import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { engineWindow, forwardOverAll, parseClusterMetrics, sampleValue, sumBuckets } from '../../bench/realtime/cluster-metrics.js';
import { PromClusterMetrics } from '../../src/metrics/cluster-metrics.js';
import { RealtimeMetrics } from '../../src/metrics/realtime-metrics.js';

/** What an engine's /metrics prints for these families (the real registries; the ownership gauges as engine-metrics.ts prints them). */
async function exposition(forwardsMs: number[], moving: number, acks: number, owned: number, takeovers: number, lastTakeoverS: number): Promise<string> {
  const registry = new Registry();
  const cluster = new PromClusterMetrics();
  const realtime = new RealtimeMetrics();
  cluster.registerIn(registry);
  realtime.registerIn(registry);
  for (const ms of forwardsMs) cluster.forwarded('order', 'answered', ms);
  for (let i = 0; i < moving; i++) cluster.forwarded('order', 'moving', 1);
  cluster.forwarded('rest', 'answered', 500); // another kind: not counted as an order
  cluster.ticks('sent', 10);
  cluster.ticks('received', 20);
  for (let i = 0; i < acks; i++) realtime.orderAnswered(realtime.now() - 0.2, true);
  return (await registry.metrics()) +
    `# TYPE risk_engine_cluster_takeovers_total counter\nrisk_engine_cluster_takeovers_total ${takeovers}\n` +
    `risk_engine_cluster_partitions_owned ${owned}\nrisk_engine_cluster_last_takeover_seconds ${lastTakeoverS}\n`;
}

describe('the bench\'s reading of an engine\'s cluster metrics', () => {
  it('reads the order forwards, their round trip, the owner\'s order-to-ack and the ownership gauges', async () => {
    const m = parseClusterMetrics(await exposition([0.3, 0.4, 0.6, 3], 2, 5, 85, 171, 0.042));
    expect(m.forwarded).toEqual({ answered: 4, moving: 2, failed: 0 });
    expect(m.forwardOrder.cumulative.at(-1)).toBe(6); // every forward of an order, moving ones included
    expect(m.forwardOrder.le.at(-1)).toBe(Infinity);
    expect(m.orderToAck.cumulative.at(-1)).toBe(5);
    expect([m.ticksSent, m.ticksReceived]).toEqual([10, 20]);
    expect([m.partitionsOwned, m.takeovers, m.lastTakeoverSeconds]).toEqual([85, 171, 0.042]);
  });

  it('reports a missing sample as NaN rather than 0', () => {
    const m = parseClusterMetrics('risk_engine_ready 1\n');
    expect(m.partitionsOwned).toBeNaN();
    expect(m.forwarded.answered).toBeNaN();
    expect(sampleValue('a_total{k="x"} 3\na_total{k="y"} 4\n', 'a_total', 'k="y"')).toBe(4);
  });

  it('subtracts the window\'s opening scrape and sums engines bucket by bucket', async () => {
    const before = parseClusterMetrics(await exposition([0.3], 0, 1, 128, 128, 0.05));
    const after = parseClusterMetrics(await exposition([0.3, 0.3, 0.3, 0.3, 20], 1, 7, 128, 128, 0.05));
    const w = engineWindow('e1', before, after);
    expect(w.forwarded).toEqual({ answered: 4, moving: 1, failed: 0 });
    expect(w.forwardOrder.count).toBe(5);
    // Four of five in the 0.25–0.5 ms bucket: the median lies inside it.
    expect(w.forwardOrder.p50).toBeGreaterThan(0.25);
    expect(w.forwardOrder.p50).toBeLessThanOrEqual(0.5);
    expect(w.orderToAck.count).toBe(6);
    expect(w.ticksSent).toBe(0);
    const all = forwardOverAll([{ before, after }, { before, after }]);
    expect(all.count).toBe(10);
    expect(() => sumBuckets([{ le: [1, Infinity], cumulative: [1, 2] }, { le: [2, Infinity], cumulative: [1, 2] }])).toThrow(/different buckets/);
  });
});
