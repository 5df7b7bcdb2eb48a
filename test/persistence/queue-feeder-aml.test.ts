/**
 * The queue feeder's AML switch: with AML_MONITORING_ENABLED=false (amlFills: false) the engine's
 * fills are not queued for AML screening at all; with it on they are, after they are durable. The
 * real engine over the in-process calculator; the queues record what they are given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRiskCalculator } from '../../src/engine/risk/in-process-calculator.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import { startQueueFeeder, type QueueFeederOptions } from '../../src/persistence/queue-feeder.js';
import type { AmlFillJob } from '../../src/persistence/queue-payloads.js';

const NOW_MS = Date.UTC(2026, 0, 15, 15);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function fillsQueued(amlFills: boolean | undefined): Promise<AmlFillJob[]> {
  const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  const engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => NOW_MS }, rate: 0.04, tickGuard: { maxSkewMs: Infinity } });
  const queued: AmlFillJob[] = [];
  const queues: QueueFeederOptions['queues'] = {
    addFills: async (fills) => { queued.push(...fills); return []; },
    addRiskSnapshots: async () => [],
    addMarketSnapshots: async () => [],
    requestReport: async () => 'report',
  };
  const feeder = startQueueFeeder({ engine, queues, log: () => {}, clock: { nowMs: () => NOW_MS }, ...(amlFills !== undefined ? { amlFills } : {}) });
  stops.push(() => engine.close());
  engine.tick('AAA', 100, 1);
  expect((await engine.createPortfolio({ portfolioId: 'P', cash: 1_000_000 }, 'admin')).ok).toBe(true);
  expect(await engine.submitOrder('P', { clientOrderId: 'c1', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'market' }, 'tom')).toMatchObject({ kind: 'ack' });
  await feeder.stop();
  return queued;
}

describe('the queue feeder and AML monitoring', () => {
  it('queues every fill for AML screening by default', async () => {
    expect((await fillsQueued(undefined)).map((f) => f.fillId)).toEqual(['P-f1']);
  });

  it('queues no fill for AML screening while monitoring is off', async () => {
    expect(await fillsQueued(false)).toEqual([]);
  });
});
