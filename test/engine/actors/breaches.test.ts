import { describe, expect, it } from 'vitest';
import { breachesOf } from '../../../src/engine/actors/breaches.js';
import { DEFAULT_RISK_LIMITS } from '../../../src/engine/limits/risk-limits.js';

const limits = { ...DEFAULT_RISK_LIMITS, maxAbsDollarDelta: 1000, maxAbsDollarGamma: 500, maxAbsVega: 200, maxVar: 300, maxLeverage: 2 };
const u = (dollarDelta: number, dollarGamma = 0, vega = 0) => ({ dollarDelta, dollarGamma, vega });

describe('breachesOf', () => {
  it('reports nothing when every figure is within its limit', () => {
    expect(breachesOf({ byUnderlying: { A: u(900, 400, 150) }, var: 300, leverage: 2 }, limits)).toEqual([]);
  });

  it('bounds the net portfolio figures, summed over underlyings, so offsetting deltas do not breach', () => {
    expect(breachesOf({ byUnderlying: { A: u(800), B: u(-700) }, var: 0, leverage: 0 }, limits)).toEqual([]);
    expect(breachesOf({ byUnderlying: { A: u(-600), B: u(-600) }, var: 0, leverage: 0 }, limits).map((b) => b.code)).toEqual(['GREEK_LIMIT_DELTA']);
  });

  it('uses the pre-trade reason codes for every limit exceeded, with the numbers in the detail', () => {
    const b = breachesOf({ byUnderlying: { A: u(2000, -600, 250) }, var: 301, leverage: 2.5 }, limits);
    expect(b.map((x) => x.code)).toEqual(['GREEK_LIMIT_DELTA', 'GREEK_LIMIT_GAMMA', 'GREEK_LIMIT_VEGA', 'VAR_LIMIT', 'LEVERAGE_LIMIT']);
    expect(b[0]?.detail).toBe('dollar delta 2000 > limit 1000');
    expect(b[4]?.detail).toBe('leverage 2.5 > limit 2');
  });

  it('never reports a limit that is switched off with Infinity, and reports infinite leverage', () => {
    const b = breachesOf({ byUnderlying: {}, var: 1e12, leverage: Infinity }, DEFAULT_RISK_LIMITS);
    expect(b.map((x) => x.code)).toEqual(['LEVERAGE_LIMIT']);
  });

  it('reports a NaN figure as RISK_UNAVAILABLE rather than as within the limit', () => {
    const b = breachesOf({ byUnderlying: { A: u(Number.NaN) }, var: 0, leverage: 0 }, limits);
    expect(b).toEqual([{ code: 'RISK_UNAVAILABLE', detail: 'dollar delta is NaN: GREEK_LIMIT_DELTA cannot be checked' }]);
  });
});
