import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_LIMITS, makeRiskLimits } from '../../../src/engine/limits/risk-limits.js';
import { OPEN_LIMITS, WIDEST_CONFIGURABLE_LIMITS } from '../../fixtures/limits.js';

describe('makeRiskLimits', () => {
  it('defaults leverage to 10 and order submit and modify rates to 100 per second', () => {
    const r = makeRiskLimits({});
    expect(r).toEqual({ ok: true, value: DEFAULT_RISK_LIMITS });
    expect(DEFAULT_RISK_LIMITS.maxLeverage).toBe(10);
    expect([DEFAULT_RISK_LIMITS.submitRateLimit, DEFAULT_RISK_LIMITS.submitRateIntervalMs]).toEqual([100, 1000]);
    expect([DEFAULT_RISK_LIMITS.modifyRateLimit, DEFAULT_RISK_LIMITS.modifyRateIntervalMs]).toEqual([100, 1000]);
  });

  it('accepts a leverage limit of exactly 100', () => {
    const r = makeRiskLimits({ maxLeverage: 100 });
    expect(r.ok && r.value.maxLeverage).toBe(100);
  });

  it('accepts every amount limit switched off with leverage at 100, and refuses unbounded leverage', () => {
    expect(makeRiskLimits(WIDEST_CONFIGURABLE_LIMITS)).toEqual({ ok: true, value: WIDEST_CONFIGURABLE_LIMITS });
    expect(makeRiskLimits(OPEN_LIMITS)).toEqual({ ok: false, errors: ['maxLeverage: must be in (0, 100], got Infinity'] });
  });

  it('rejects a leverage limit above 100', () => {
    expect(makeRiskLimits({ maxLeverage: 100.5 })).toEqual({ ok: false, errors: ['maxLeverage: must be in (0, 100], got 100.5'] });
  });

  it('rejects a leverage limit of zero or below', () => {
    expect(makeRiskLimits({ maxLeverage: 0 }).ok).toBe(false);
    expect(makeRiskLimits({ maxLeverage: -2 }).ok).toBe(false);
  });

  it('lists every bad field and every unknown key at once', () => {
    const r = makeRiskLimits({ maxOrderQty: -1, submitRateLimit: 2.5, priceCollarFraction: 'x', maxNotionl: 5 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      'maxOrderQty: must be > 0, got -1',
      'submitRateLimit: must be a positive integer, got 2.5',
      'priceCollarFraction: expected a number, got "x"',
      'unknown key "maxNotionl"',
    ]);
  });

  it('refuses something that is not an object', () => {
    expect(makeRiskLimits(null)).toEqual({ ok: false, errors: ['risk limits must be an object'] });
  });

  it('returns a frozen object so a shared config cannot be changed in place', () => {
    const r = makeRiskLimits({ maxOrderQty: 5 });
    expect(r.ok && Object.isFrozen(r.value)).toBe(true);
  });
});
