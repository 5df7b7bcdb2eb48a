import { describe, expect, it } from 'vitest';
import { fmt, REASON_CODES } from '../../../src/engine/limits/reason-codes.js';

describe('reason codes', () => {
  it('keeps the published codes stable', () => {
    expect(REASON_CODES).toEqual([
      'INVALID_ORDER', 'RISK_UNAVAILABLE', 'TRADING_HALTED', 'TRADING_REDUCING', 'RATE_LIMIT_SUBMIT',
      'RATE_LIMIT_MODIFY', 'PRICE_COLLAR', 'MAX_ORDER_QTY', 'MAX_ORDER_NOTIONAL', 'POSITION_LIMIT',
      'GREEK_LIMIT_DELTA', 'GREEK_LIMIT_GAMMA', 'GREEK_LIMIT_VEGA', 'LEVERAGE_LIMIT',
      'CONCENTRATION_LIMIT', 'VAR_LIMIT', 'KYC_REQUIRED',
    ]);
  });

  it('formats large numbers in exponent form and others with up to six significant digits', () => {
    expect([fmt(1.2e6), fmt(1e6), fmt(1_234_567), fmt(999_999), fmt(10.01), fmt(1 / 3), fmt(-2.5e7)]).toEqual([
      '1.2e6', '1e6', '1.23457e6', '999999', '10.01', '0.333333', '-2.5e7',
    ]);
  });
});
