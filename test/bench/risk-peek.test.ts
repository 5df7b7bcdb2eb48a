import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { peekRiskHead } from '../../bench/realtime/risk-peek.js';
import { RiskFrameWriter } from '../../src/gateway/risk-frame.js';
import type { RiskSnapshot } from '../../src/engine/actors/types.js';

const snapshot = (portfolioId: string, seq: number, tickTs: number): RiskSnapshot => ({
  portfolioId, seq, tickTs, computedMs: Date.now(), greeks: { delta: 1, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0 },
  byUnderlying: { AAA: { delta: 1, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0, spot: 100, dollarDelta: 100, dollarGamma: 0 } },
  marketValue: 0, equity: 1, pnl: { realised: 0, unrealised: 0, total: 0 },
  var: { method: 'delta-gamma', confidence: 0.99, value: 0, esConfidence: 0.975, es: 0 }, margin: { method: 'span', requirement: 0, computedMs: 0 },
  leverage: 0, breaches: [],
});

describe('bench risk-frame peek', () => {
  it('reads portfolioId and tickTs off real risk frames of every number form', () => {
    const w = new RiskFrameWriter();
    for (const [id, seq, ts] of [['P1', 0, 0], ['bench-0042', 70000, 1764000000123.25], ['é'.repeat(20), 2 ** 40, 1764000000123], ['x'.repeat(40), 5, 7]] as const) {
      expect(peekRiskHead(w.encode(snapshot(id, seq, ts)))).toEqual({ portfolioId: id, tickTs: ts });
    }
  });

  it('declines anything else, so that the caller decodes it in full', () => {
    expect(peekRiskHead(encode({ type: 'ack', orderId: 'o1' }))).toBeUndefined();
    expect(peekRiskHead(encode({ portfolioId: 'P', type: 'risk', tickTs: 1 }))).toEqual({ portfolioId: 'P', tickTs: 1 }); // order of the three is free
    expect(peekRiskHead(encode({ type: 'risk', portfolioId: 'P', seq: 1, greeks: {}, tickTs: 1 }))).toBeUndefined();
    const full = new RiskFrameWriter().encode(snapshot('P1', 1, 123.5));
    for (let cut = 0; cut < 40; cut++) expect(peekRiskHead(full.subarray(0, cut))).toBeUndefined();
  });
});
