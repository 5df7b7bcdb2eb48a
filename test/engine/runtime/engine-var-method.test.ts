/**
 * The risk frame's `var.method` names what the real-time kernel computes, in process: the real
 * engine over the in-process risk calculator (the pool's kernel on this thread), no gateway.
 */
import { decode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskSnapshot } from '../../../src/engine/actors/types.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import { prepareBook } from '../../../src/engine/risk/risk-book.js';
import { dgvAggregates, dgvTailRisk } from '../../../src/engine/risk/var-dgv.js';
import type { EngineApi } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { RiskFrameWriter } from '../../../src/gateway/risk-frame.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';

const NOW_MS = Date.UTC(2026, 0, 15, 21);
const RATE = 0.04;

let engine: EngineApi | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('engine runtime: the VaR method the risk frame names', () => {
  it('names its VaR delta-gamma, and streams the delta-gamma VaR of its scenarios, not one with a vega term', async () => {
    const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0, seed: 13 });
    if (!sc.ok) throw new Error(sc.message);
    const e = (engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => NOW_MS }, rate: RATE }));
    expect(e.tick('AAA', 100, NOW_MS).ok).toBe(true);
    const first = new Promise<RiskSnapshot>((resolve) => {
      const off = e.onEvent((ev) => { if (ev.type === 'risk' && ev.portfolioId === 'P') { off(); resolve(ev.risk); } });
    });
    // Long calls and short puts: long gamma and a vega of one sign, so a vol scenario would move VaR.
    expect((await e.createPortfolio({ portfolioId: 'P', cash: 1_000_000, positions: [
      { instrument: 'AAA   260320C00100000', qty: 20, vol: 0.3 },
      { instrument: 'AAA   260918C00110000', qty: 10, vol: 0.28 },
      { instrument: 'AAA   260320P00090000', qty: -15, vol: 0.35 },
    ] }, 'test')).ok).toBe(true);
    const r = await first;

    const holdings = e.getPortfolio('P')?.holdings ?? [];
    const book = prepareBook(holdings, { asOf: '2026-01-15', valuationMs: NOW_MS, rate: RATE, spots: new Map([['AAA', 100]]) });
    if (!book.ok) throw new Error(book.message);
    const agg = dgvAggregates(book.value);
    const n = sc.value.nScenarios;
    const deltaGamma = dgvTailRisk(agg, sc.value.returns, n, r.var.confidence, r.var.esConfidence);
    // Vol up 1.5 points for every 1% fall: what a dgv VaR with vol scenarios would add.
    const withVega = dgvTailRisk(agg, sc.value.returns, n, r.var.confidence, r.var.esConfidence, sc.value.returns.map((x) => -1.5 * x));
    expect(Math.abs(r.var.value - deltaGamma.var)).toBeLessThan(1e-9 * deltaGamma.var);
    expect(Math.abs(r.var.value - withVega.var)).toBeGreaterThan(0.01 * deltaGamma.var);

    expect(r.var.method).toBe('delta-gamma');
    const frame = decode(new RiskFrameWriter().encode(r)) as { var: { method: string } };
    expect(frame.var.method).toBe('delta-gamma');
  });
});
