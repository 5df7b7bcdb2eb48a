import { describe, expect, it } from 'vitest';
import { accountEquity, marginStatus } from '../../../src/engine/margin/margin-status.js';
import { marketAt, stock } from '../../fixtures/books.js';

const req = { initial: 10_000, maintenance: 5_000 };

describe('marginStatus', () => {
  it("reports excess and 'none' when equity covers the initial requirement", () => {
    const s = marginStatus(12_000, req);
    expect(s.liquidationRisk).toBe('none');
    expect(s.initial).toEqual({ requirement: 10_000, excess: 2_000, call: 0 });
    expect(s.maintenance).toEqual({ requirement: 5_000, excess: 7_000, call: 0 });
  });

  it("is 'none' with equity exactly at the initial requirement", () => {
    expect(marginStatus(10_000, req).liquidationRisk).toBe('none');
  });

  it("is 'low' between maintenance and initial, with an initial shortfall but no maintenance call", () => {
    const s = marginStatus(5_000, req);
    expect(s.liquidationRisk).toBe('low');
    expect(s.initial.call).toBe(5_000);
    expect(s.maintenance.call).toBe(0);
  });

  it("issues a 'margin_call' below maintenance and down to 80% of it", () => {
    expect(marginStatus(4_999, req).liquidationRisk).toBe('margin_call');
    const s = marginStatus(4_000, req);
    expect(s.liquidationRisk).toBe('margin_call');
    expect(s.maintenance.call).toBe(1_000);
  });

  it("marks 'liquidate' below 80% of maintenance or at negative equity", () => {
    expect(marginStatus(3_999, req).liquidationRisk).toBe('liquidate');
    expect(marginStatus(-1, { initial: 0, maintenance: 0 }).liquidationRisk).toBe('liquidate');
    expect(marginStatus(4_400, req, { liquidationFraction: 0.9 }).liquidationRisk).toBe('liquidate');
  });

  it("leaves an empty account with no equity at 'none'", () => {
    expect(marginStatus(0, { initial: 0, maintenance: 0 }).liquidationRisk).toBe('none');
  });

  it('computes equity as cash plus the signed market value of positions', () => {
    expect(accountEquity(1_000, [stock('XYZ', 10), stock('ABC', -5)], marketAt({ XYZ: 50, ABC: 20 }))).toBeCloseTo(1_400, 9);
  });
});
