import { describe, expect, it } from 'vitest';
import { preTradeCheck, type PreTradeRequest } from '../../../src/engine/limits/pre-trade.js';
import { EMPTY_RATE_LIMIT_STATE } from '../../../src/engine/limits/rate-limit.js';
import { bsmGreeks } from '../../../src/engine/pricing/bsm.js';
import type { Position } from '../../../src/engine/portfolio/types.js';
import { optionInputsOf } from '../../../src/engine/portfolio/valuation.js';
import { marketAt, option, stock, ticker } from '../../fixtures/books.js';
import { buy, request, sell } from './fixtures.js';

const XYZ = ticker('XYZ');
const result = (req: PreTradeRequest) => preTradeCheck(req).result;
const ok = { ok: true };

describe('pre-trade: order notional (MAX_ORDER_NOTIONAL)', () => {
  it('rejects an order whose notional exceeds the portfolio limit', () => {
    expect(result(request(buy(XYZ, 100), { limits: { maxOrderNotional: 9_999 } }))).toEqual({
      ok: false, code: 'MAX_ORDER_NOTIONAL', message: 'notional 10000 > limit 9999',
    });
  });
  it('accepts an order whose notional equals the limit', () => {
    expect(result(request(buy(XYZ, 100), { limits: { maxOrderNotional: 10_000 } }))).toEqual(ok);
  });
  it('prices a limit order at its limit price and an option at qty × multiplier × premium', () => {
    expect(result(request(buy(XYZ, 100, { orderType: 'limit', limitPrice: 101 }), { limits: { maxOrderNotional: 10_099 } }))).toMatchObject({
      code: 'MAX_ORDER_NOTIONAL', message: 'notional 10100 > limit 10099',
    });
    const c = option('XYZ', 'call', 100, 1).instrument;
    const refs = new Map([[c.symbol, 5]]);
    const termsOf = () => ({ multiplier: 100, vol: 0.3, dividendYield: 0, style: 'european' as const });
    expect(result(request(buy(c, 2), { referencePrices: refs, termsOf, limits: { maxOrderNotional: 1_000 } }))).toEqual(ok);
    expect(result(request(buy(c, 2), { referencePrices: refs, termsOf, limits: { maxOrderNotional: 999 } }))).toMatchObject({ code: 'MAX_ORDER_NOTIONAL' });
  });
  it('reports a million-size notional in exponent form', () => {
    expect(result(request(buy(XYZ, 12_000), { limits: { maxOrderNotional: 1_000_000 } }))).toMatchObject({
      message: 'notional 1.2e6 > limit 1e6',
    });
  });
});

describe('pre-trade: order quantity (MAX_ORDER_QTY)', () => {
  it('rejects an order larger than the quantity limit', () => {
    expect(result(request(buy(XYZ, 100), { limits: { maxOrderQty: 99 } }))).toEqual({ ok: false, code: 'MAX_ORDER_QTY', message: 'qty 100 > limit 99' });
  });
  it('accepts an order at exactly the quantity limit', () => {
    expect(result(request(buy(XYZ, 100), { limits: { maxOrderQty: 100 } }))).toEqual(ok);
  });
});

describe('pre-trade: position limit (POSITION_LIMIT)', () => {
  it('rejects a buy that would take the position past the limit', () => {
    expect(result(request(buy(XYZ, 51), { positions: [stock('XYZ', 50)], limits: { maxPositionQty: 100 } }))).toMatchObject({ code: 'POSITION_LIMIT' });
  });
  it('accepts a buy that lands exactly on the limit', () => {
    expect(result(request(buy(XYZ, 50), { positions: [stock('XYZ', 50)], limits: { maxPositionQty: 100 } }))).toEqual(ok);
  });
  it('counts short positions by their absolute size', () => {
    expect(result(request(sell(XYZ, 101), { limits: { maxPositionQty: 100 } }))).toMatchObject({ code: 'POSITION_LIMIT' });
  });
  it('lets a position already over the limit be reduced', () => {
    expect(result(request(sell(XYZ, 10), { positions: [stock('XYZ', 150)], limits: { maxPositionQty: 100 } }))).toEqual(ok);
  });
  it('rejects flipping an over-limit long into a short beyond the limit', () => {
    expect(result(request(sell(XYZ, 290), { positions: [stock('XYZ', 150)], limits: { maxPositionQty: 100 } }))).toMatchObject({
      code: 'POSITION_LIMIT', message: 'position -140 after fill, |-140| > limit 100',
    });
    expect(result(request(sell(XYZ, 250), { positions: [stock('XYZ', 150)], limits: { maxPositionQty: 100 } }))).toEqual(ok);
  });
});

describe('pre-trade: Greek limits (GREEK_LIMIT_DELTA / _GAMMA / _VEGA)', () => {
  it('rejects a buy that takes dollar delta past the limit', () => {
    // 100 shares × 100 = 10,000 of dollar delta.
    expect(result(request(buy(XYZ, 100), { limits: { maxAbsDollarDelta: 9_999 } }))).toEqual({
      ok: false, code: 'GREEK_LIMIT_DELTA', message: 'dollar delta 10000 after fill (was 0), |10000| > limit 9999',
    });
  });
  it('accepts dollar delta exactly at the limit', () => {
    expect(result(request(buy(XYZ, 100), { limits: { maxAbsDollarDelta: 10_000 } }))).toEqual(ok);
  });
  it('lets a hedge through while delta is over the limit', () => {
    expect(result(request(sell(XYZ, 50), { positions: [stock('XYZ', 200)], limits: { maxAbsDollarDelta: 10_000 } }))).toEqual(ok);
  });

  const held = option('XYZ', 'call', 100, 1);
  const g = bsmGreeks(optionInputsOf(held as Position & { instrument: { kind: 'option' } }, marketAt({ XYZ: 100 }), 100, 0.3));
  const units = 1 * 100;
  const dollarGamma = units * g.gamma * 100 * 100;
  const vega = units * g.vega;
  const termsOf = () => ({ multiplier: 100, vol: 0.3, dividendYield: 0, style: 'european' as const });
  const buyCall = buy(held.instrument, 1);

  it('rejects an option buy that takes dollar gamma past the limit', () => {
    expect(result(request(buyCall, { termsOf, limits: { maxAbsDollarGamma: dollarGamma * (1 - 1e-9) } }))).toMatchObject({ code: 'GREEK_LIMIT_GAMMA' });
  });
  it('accepts dollar gamma exactly at the limit', () => {
    expect(result(request(buyCall, { termsOf, limits: { maxAbsDollarGamma: dollarGamma } }))).toEqual(ok);
  });
  it('rejects an option buy that takes vega past the limit', () => {
    expect(result(request(buyCall, { termsOf, limits: { maxAbsVega: vega * (1 - 1e-9) } }))).toMatchObject({ code: 'GREEK_LIMIT_VEGA' });
  });
  it('accepts vega exactly at the limit', () => {
    expect(result(request(buyCall, { termsOf, limits: { maxAbsVega: vega } }))).toEqual(ok);
  });
});

describe('pre-trade: leverage (LEVERAGE_LIMIT)', () => {
  // Cash 10,000: buying N shares at 100 keeps equity at 10,000 and adds 100·N of exposure.
  it('rejects a buy that takes leverage past the limit', () => {
    expect(result(request(buy(XYZ, 1_001), { cash: 10_000, limits: { maxLeverage: 10 } }))).toEqual({
      ok: false, code: 'LEVERAGE_LIMIT', message: 'leverage 10.01 after fill (exposure 100100 / equity 10000) > limit 10',
    });
  });
  it('accepts leverage exactly at the limit', () => {
    expect(result(request(buy(XYZ, 1_000), { cash: 10_000, limits: { maxLeverage: 10 } }))).toEqual(ok);
  });
  it('counts a hedge as more exposure, not less (gross, no netting, as risk/gross-exposure.ts)', () => {
    // Long 500 XYZ at 100 financed to equity 5,000: exposure 50,000, leverage 10. A short ATM call
    // (|Δ| ≈ 0.57) hedges delta but adds ≈ 5,700 of gross exposure: leverage ≈ 11.1.
    const positions = [stock('XYZ', 500)];
    const termsOf = () => ({ multiplier: 100, vol: 0.3, dividendYield: 0, style: 'european' as const });
    const c = option('XYZ', 'call', 100, 1).instrument;
    const base = { positions, cash: -45_000, termsOf };
    expect(result(request(sell(c, 1), { ...base, limits: { maxLeverage: 10 } }))).toMatchObject({ code: 'LEVERAGE_LIMIT' });
    expect(result(request(sell(c, 1), { ...base, limits: { maxLeverage: 12 } }))).toEqual(ok);
  });
  it('treats exposure on no equity as infinite leverage', () => {
    // No cash: after buying 1 share at 100, cash is −100 and the share is worth 100, so equity is 0.
    expect(result(request(buy(XYZ, 1), { cash: 0, limits: { maxLeverage: 100 } }))).toEqual({
      ok: false, code: 'LEVERAGE_LIMIT', message: 'leverage Infinity after fill (exposure 100 / equity 0) > limit 100',
    });
    expect(result(request(buy(XYZ, 1), { cash: 1, limits: { maxLeverage: 100 } }))).toEqual(ok);
  });
});

describe('pre-trade: concentration (CONCENTRATION_LIMIT)', () => {
  // Holding 100 ABC at 50 (5,000); buying 50 XYZ at 100 adds 5,000: XYZ is 50% of gross exposure.
  const positions = [stock('ABC', 100)];
  it('rejects a buy that concentrates more than the limit in one underlying', () => {
    expect(result(request(buy(XYZ, 51), { positions, limits: { maxConcentration: 0.5 } }))).toMatchObject({ code: 'CONCENTRATION_LIMIT' });
  });
  it('accepts a concentration exactly at the limit', () => {
    expect(result(request(buy(XYZ, 50), { positions, limits: { maxConcentration: 0.5 } }))).toEqual(ok);
  });
  it('skips the check below the minimum gross exposure, so a first trade can be made', () => {
    expect(result(request(buy(XYZ, 50), { limits: { maxConcentration: 0.5, concentrationMinGrossExposure: 5_000 } }))).toEqual(ok);
    expect(result(request(buy(XYZ, 51), { limits: { maxConcentration: 0.5, concentrationMinGrossExposure: 5_000 } }))).toMatchObject({ code: 'CONCENTRATION_LIMIT' });
  });
});

describe('pre-trade: VaR (VAR_LIMIT)', () => {
  // A toy estimator: 10% of gross stock value.
  const varEstimator = (ps: readonly Position[]) => ps.reduce((a, p) => a + Math.abs(p.qty * p.multiplier) * 100 * 0.1, 0);
  it('rejects a buy that takes the injected VaR past the limit', () => {
    expect(result(request(buy(XYZ, 100), { varEstimator, limits: { maxVar: 999 } }))).toEqual({
      ok: false, code: 'VAR_LIMIT', message: 'VaR 1000 after fill (was 0) > limit 999',
    });
  });
  it('accepts VaR exactly at the limit', () => {
    expect(result(request(buy(XYZ, 100), { varEstimator, limits: { maxVar: 1_000 } }))).toEqual(ok);
  });
  it('evaluates the portfolio as it would be after the fill', () => {
    const seen: number[] = [];
    const spy = (ps: readonly Position[]) => (seen.push(ps[0]?.qty ?? 0), varEstimator(ps));
    result(request(buy(XYZ, 30), { positions: [stock('XYZ', 70)], varEstimator: spy, limits: { maxVar: 1 } }));
    expect(seen).toEqual([100, 70]);
  });
  it('throws when a VaR limit is set but no estimator is wired', () => {
    expect(() => preTradeCheck(request(buy(XYZ, 1), { limits: { maxVar: 1_000 } }))).toThrow(/VarEstimator/);
  });
});

describe('pre-trade: price collar (PRICE_COLLAR)', () => {
  const limitBuy = (px: number) => buy(XYZ, 1, { orderType: 'limit', limitPrice: px });
  it('rejects a limit price more than 10% above the reference price', () => {
    expect(result(request(limitBuy(110.5), { limits: { priceCollarFraction: 0.1 } }))).toEqual({
      ok: false, code: 'PRICE_COLLAR', message: 'limit price 110.5 outside ±10% of reference 100 [90, 110]',
    });
  });
  it('accepts limit prices exactly at both edges of the collar', () => {
    expect(result(request(limitBuy(110), { limits: { priceCollarFraction: 0.1 } }))).toEqual(ok);
    expect(result(request(limitBuy(90), { limits: { priceCollarFraction: 0.1 } }))).toEqual(ok);
  });
  it('uses the given last price as the reference when there is one', () => {
    const referencePrices = new Map([['XYZ', 120]]);
    expect(result(request(limitBuy(130), { referencePrices, limits: { priceCollarFraction: 0.1 } }))).toEqual(ok);
    expect(result(request(limitBuy(89), { referencePrices, limits: { priceCollarFraction: 0.1 } }))).toMatchObject({ code: 'PRICE_COLLAR' });
  });
  it('does not collar market and stop orders', () => {
    expect(result(request(buy(XYZ, 1, { orderType: 'stop', stopPrice: 150 }), { limits: { priceCollarFraction: 0.1 } }))).toEqual(ok);
  });
});

describe('pre-trade: rate limits (RATE_LIMIT_SUBMIT / RATE_LIMIT_MODIFY)', () => {
  const limits = { submitRateLimit: 2, submitRateIntervalMs: 1_000, modifyRateLimit: 2, modifyRateIntervalMs: 1_000 };
  const run = (action: 'submit' | 'modify', times: number[]) => {
    let rateLimits = EMPTY_RATE_LIMIT_STATE;
    return times.map((nowMs) => {
      const out = preTradeCheck(request(buy(XYZ, 1), { action, nowMs, rateLimits, limits }));
      rateLimits = out.rateLimits;
      return out.result.ok ? 'ok' : out.result.code;
    });
  };
  it('accepts submits up to the limit and rejects the next one inside the window', () => {
    expect(run('submit', [0, 500, 999])).toEqual(['ok', 'ok', 'RATE_LIMIT_SUBMIT']);
  });
  it('accepts a submit again once the oldest one leaves the window', () => {
    expect(run('submit', [0, 500, 1_000, 1_001])).toEqual(['ok', 'ok', 'ok', 'RATE_LIMIT_SUBMIT']);
  });
  it('limits modifies separately from submits', () => {
    expect(run('modify', [0, 1, 2])).toEqual(['ok', 'ok', 'RATE_LIMIT_MODIFY']);
    let rateLimits = EMPTY_RATE_LIMIT_STATE;
    for (const t of [0, 1]) rateLimits = preTradeCheck(request(buy(XYZ, 1), { nowMs: t, rateLimits, limits })).rateLimits;
    expect(preTradeCheck(request(buy(XYZ, 1), { action: 'modify', nowMs: 2, rateLimits, limits })).result).toEqual(ok);
  });
  it('never rate-limits cancels, even with both windows full', () => {
    const rateLimits = { submit: [0, 1], modify: [0, 1] };
    const out = preTradeCheck(request(buy(XYZ, 1), { action: 'cancel', nowMs: 2, rateLimits, limits }));
    expect(out.result).toEqual(ok);
    expect(out.rateLimits).toBe(rateLimits);
  });
});

describe('pre-trade: trading state (TRADING_HALTED / TRADING_REDUCING)', () => {
  it('rejects a new order while trading is halted', () => {
    expect(result(request(buy(XYZ, 1), { tradingState: 'halted' }))).toMatchObject({ code: 'TRADING_HALTED' });
    expect(result(request(buy(XYZ, 1), { tradingState: 'halted', action: 'modify' }))).toMatchObject({ code: 'TRADING_HALTED' });
  });
  it('accepts a cancel while trading is halted', () => {
    expect(result(request(buy(XYZ, 1), { tradingState: 'halted', action: 'cancel' }))).toEqual(ok);
  });
  it('does not spend a rate-limit slot on an order refused by the trading state', () => {
    const out = preTradeCheck(request(buy(XYZ, 1), { tradingState: 'halted' }));
    expect(out.rateLimits).toBe(EMPTY_RATE_LIMIT_STATE);
  });
  const positions = [stock('XYZ', 100)];
  it('rejects, in reduce-only mode, an order that would flip the position', () => {
    expect(result(request(sell(XYZ, 101), { positions, tradingState: 'reducing' }))).toEqual({
      ok: false, code: 'TRADING_REDUCING', message: 'trading is reduce-only: order -101 would take position 100 to -1',
    });
  });
  it('rejects, in reduce-only mode, an order that would increase the position or open a new one', () => {
    expect(result(request(buy(XYZ, 1), { positions, tradingState: 'reducing' }))).toMatchObject({ code: 'TRADING_REDUCING' });
    expect(result(request(buy(ticker('ABC'), 1), { positions, tradingState: 'reducing' }))).toMatchObject({ code: 'TRADING_REDUCING' });
  });
  it('accepts, in reduce-only mode, an order that closes the position exactly', () => {
    expect(result(request(sell(XYZ, 100), { positions, tradingState: 'reducing' }))).toEqual(ok);
  });
});

describe('pre-trade: invalid orders (INVALID_ORDER)', () => {
  it('rejects a zero quantity', () => {
    expect(result(request(buy(XYZ, 0)))).toMatchObject({ code: 'INVALID_ORDER', message: 'qty must be a finite number > 0, got 0' });
  });
  it('rejects a limit order without a limit price and a stop order without a stop price', () => {
    expect(result(request(buy(XYZ, 1, { orderType: 'limit' })))).toMatchObject({ code: 'INVALID_ORDER' });
    expect(result(request(buy(XYZ, 1, { orderType: 'take_profit' })))).toMatchObject({ code: 'INVALID_ORDER' });
  });
  it('rejects an order addressed to another portfolio', () => {
    expect(result(request({ ...buy(XYZ, 1), portfolioId: 'P2' }))).toMatchObject({ code: 'INVALID_ORDER' });
  });
  it('rejects an option that expired before the market date and accepts one expiring on it', () => {
    const expired = option('XYZ', 'call', 100, 1, { expiry: '2025-01-01' });
    const today = option('XYZ', 'call', 100, 1, { expiry: '2025-01-02' });
    expect(result(request(buy(expired.instrument, 1), { positions: [expired] }))).toMatchObject({ code: 'INVALID_ORDER' });
    expect(result(request(sell(today.instrument, 1), { positions: [today] }))).toEqual(ok);
  });
  it('accepts a well-formed order', () => {
    expect(result(request(buy(XYZ, 1, { orderType: 'take_profit', stopPrice: 120 })))).toEqual(ok);
  });
});

describe('pre-trade: missing market data (RISK_UNAVAILABLE)', () => {
  it('refuses a new option when nobody says how to value it', () => {
    const c = option('XYZ', 'call', 100, 1).instrument;
    expect(result(request(buy(c, 1)))).toMatchObject({ code: 'RISK_UNAVAILABLE' });
  });
  it('fails closed when a held position has no spot', () => {
    expect(result(request(buy(XYZ, 1), { positions: [stock('QQQ', 1)] }))).toMatchObject({
      code: 'RISK_UNAVAILABLE', message: 'cannot evaluate post-trade risk: no spot for underlying QQQ',
    });
  });
  it('accepts when every figure can be computed', () => {
    expect(result(request(buy(XYZ, 1), { positions: [stock('ABC', 1), option('XYZ', 'put', 90, -1)] }))).toEqual(ok);
  });
});
