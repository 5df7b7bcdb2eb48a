import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PromClusterMetrics } from '../../src/metrics/cluster-metrics.js';

describe('cluster routing metrics', () => {
  it('exposes forwards by kind and outcome, their round trip, move waits and ticks', async () => {
    const m = new PromClusterMetrics();
    const registry = new Registry();
    m.registerIn(registry);
    m.forwarded('order', 'answered', 2);
    m.forwarded('order', 'answered', 4);
    m.forwarded('rest', 'moving', 1500);
    m.waited('timedOut');
    m.ticks('sent', 3);
    m.ticks('received', 5);
    const text = await registry.metrics();
    expect(text).toContain('risk_engine_cluster_forwarded_total{kind="order",outcome="answered"} 2');
    expect(text).toContain('risk_engine_cluster_forwarded_total{kind="rest",outcome="moving"} 1');
    expect(text).toContain('risk_engine_cluster_forwarded_total{kind="cancel",outcome="failed"} 0');
    expect(text).toContain('risk_engine_cluster_forward_seconds_count{kind="order"} 2');
    expect(text).toContain('risk_engine_cluster_forward_seconds_sum{kind="order"} 0.006');
    expect(text).toContain('risk_engine_cluster_move_waits_total{outcome="timedOut"} 1');
    expect(text).toContain('risk_engine_cluster_ticks_total{direction="sent"} 3');
    expect(text).toContain('risk_engine_cluster_ticks_total{direction="received"} 5');
  });
});
