import { describe, expect, it } from 'vitest';
import { TICK_GUARD_DEFAULTS, TickGuard } from '../../../src/engine/market/tick-guard.js';

const T0 = Date.UTC(2026, 0, 15, 15);

/** A guard on a clock the test moves (25% band, 5 s skew unless given). */
function guarded(opts: { maxJump?: number; maxSkewMs?: number } = {}) {
  const clock = { now: T0, nowMs() { return this.now; } };
  return { clock, guard: new TickGuard(clock, opts) };
}

describe('tick guard: what is refused', () => {
  it('refuses a price that is not a finite number above zero', () => {
    const { guard } = guarded();
    for (const p of [0, -1, -0, NaN, Infinity, -Infinity]) expect(guard.check('AAA', p, T0)).toBe('price-invalid');
    expect(guard.counts()).toMatchObject({ refused: 6, held: 0 });
    expect(guard.check('AAA', 100, T0)).toBe('accepted');
  });

  it('refuses a ts further than maxSkewMs from the engine clock, either way, or not finite', () => {
    const { guard } = guarded({ maxSkewMs: 5000 });
    expect(guard.check('AAA', 100, T0 - 5001)).toBe('clock-skew');
    expect(guard.check('AAA', 100, T0 + 5001)).toBe('clock-skew');
    expect(guard.check('AAA', 100, NaN)).toBe('clock-skew');
    expect(guard.check('AAA', 100, 1)).toBe('clock-skew');
    expect(guard.check('AAA', 100, T0 - 5000)).toBe('accepted');
    expect(guard.check('AAA', 100, T0 + 5000)).toBe('accepted');
  });

  it('judges the ts against the clock at the time of the tick, not at start', () => {
    const { guard, clock } = guarded({ maxSkewMs: 1000 });
    expect(guard.check('AAA', 100, T0)).toBe('accepted');
    clock.now += 60_000;
    expect(guard.check('AAA', 100, T0 + 500)).toBe('clock-skew');
    expect(guard.check('AAA', 100, clock.now - 999)).toBe('accepted');
  });

  it('changes nothing for a refused tick: no reference price, no held candidate', () => {
    const { guard } = guarded();
    expect(guard.check('AAA', 100, T0 - 60_000)).toBe('clock-skew');
    expect(guard.view()).toEqual([]);
    expect(guard.check('AAA', 500, T0)).toBe('accepted'); // still the first accepted tick
  });
});

describe('tick guard: jumps are held until confirmed', () => {
  it('accepts the first tick of a symbol, whatever its price: there is no reference', () => {
    const { guard } = guarded();
    expect(guard.check('AAA', 12345, T0)).toBe('accepted');
    expect(guard.check('BBB', 0.01, T0)).toBe('accepted');
  });

  it('accepts a move of exactly the band and holds one just beyond it, up or down', () => {
    const { guard } = guarded({ maxJump: 0.25 });
    guard.check('AAA', 100, T0);
    expect(guard.check('AAA', 125, T0)).toBe('accepted');
    expect(guard.check('AAA', 156.26, T0)).toBe('held'); // 125 × 1.25 = 156.25
    expect(guard.check('BBB', 100, T0)).toBe('accepted');
    expect(guard.check('BBB', 74.9, T0)).toBe('held');
    expect(guard.counts()).toMatchObject({ held: 2, heldNow: 2 });
  });

  it('confirms a held move with a second tick within the band of the held price, and moves the reference', () => {
    const { guard, clock } = guarded();
    guard.check('AAA', 100, T0);
    clock.now += 10;
    expect(guard.check('AAA', 200, T0 + 10)).toBe('held');
    expect(guard.view()).toEqual([{
      symbol: 'AAA', lastPrice: 100, lastTs: T0, maxJump: TICK_GUARD_DEFAULTS.maxJump, bandSet: false,
      heldTick: { price: 200, ts: T0 + 10, heldAtMs: T0 + 10 }, counts: { held: 1, dropped: 0, confirmed: 0, released: 0 },
    }]);
    expect(guard.check('AAA', 201, T0 + 20)).toBe('confirmed');
    expect(guard.view()[0]).toMatchObject({ lastPrice: 201, lastTs: T0 + 20, heldTick: null, counts: { held: 1, confirmed: 1 } });
    expect(guard.check('AAA', 210, T0 + 30)).toBe('accepted'); // the new level is the reference now
    expect(guard.check('AAA', 100, T0 + 40)).toBe('held'); // and the old one is a jump from it
  });

  it('drops the held tick as an outlier when a tick within the band of the old price comes first', () => {
    const { guard } = guarded();
    guard.check('AAA', 100, T0);
    expect(guard.check('AAA', 1000, T0)).toBe('held'); // a shifted decimal
    expect(guard.check('AAA', 101, T0)).toBe('accepted-dropping-held');
    expect(guard.check('AAA', 1001, T0)).toBe('held'); // 1000 is forgotten: this is a new candidate, not a confirmation
    expect(guard.view()[0]).toMatchObject({ lastPrice: 101, heldTick: { price: 1001 }, counts: { held: 2, dropped: 1, confirmed: 0 } });
  });

  it('replaces the held tick with a new jump far from both the old price and the held one (the old candidate counts as dropped)', () => {
    const { guard } = guarded();
    guard.check('AAA', 100, T0);
    guard.check('AAA', 200, T0);
    expect(guard.check('AAA', 10, T0)).toBe('held');
    expect(guard.check('AAA', 10.5, T0)).toBe('confirmed');
    expect(guard.counts()).toMatchObject({ held: 2, dropped: 1, confirmed: 1, heldNow: 0 });
  });

  it('reads a tick within the band of both the old price and the held one as the old market (dropping the candidate)', () => {
    const { guard } = guarded({ maxJump: 0.25 });
    guard.check('AAA', 100, T0);
    expect(guard.check('AAA', 130, T0)).toBe('held');
    expect(guard.check('AAA', 112, T0)).toBe('accepted-dropping-held');
  });

  it('keeps each symbol apart: a held tick of one is not confirmed by another', () => {
    const { guard } = guarded();
    guard.check('AAA', 100, T0);
    guard.check('BBB', 200, T0);
    expect(guard.check('AAA', 200, T0)).toBe('held');
    expect(guard.check('BBB', 201, T0)).toBe('accepted');
    expect(guard.view().map((v) => [v.symbol, v.heldTick?.price])).toEqual([['AAA', 200]]);
  });
});

describe('tick guard: bands per symbol', () => {
  it('releases a held tick that a widened band covers, and uses the band for later ticks', () => {
    const { guard } = guarded();
    guard.check('AAA', 100, T0);
    guard.check('AAA', 140, T0 + 1);
    expect(guard.setBand('AAA', 0.5)).toEqual({ symbol: 'AAA', before: 0.25, after: 0.5, released: { price: 140, ts: T0 + 1 } });
    expect(guard.view()[0]).toMatchObject({ lastPrice: 140, heldTick: null, maxJump: 0.5, bandSet: true, counts: { held: 1, released: 1 } });
    expect(guard.check('AAA', 200, T0)).toBe('accepted'); // +43%, within 50%
    expect(guard.check('BBB', 100, T0)).toBe('accepted');
    expect(guard.check('BBB', 140, T0)).toBe('held'); // other symbols keep the default
  });

  it('keeps a held tick that the new band still does not cover, and narrows as well as widens', () => {
    const { guard } = guarded();
    guard.check('AAA', 100, T0);
    guard.check('AAA', 300, T0);
    expect(guard.setBand('AAA', 0.5)).toEqual({ symbol: 'AAA', before: 0.25, after: 0.5 });
    expect(guard.view()[0]?.heldTick).toMatchObject({ price: 300 });
    guard.setBand('AAA', 0.05);
    expect(guard.check('AAA', 106, T0)).toBe('held'); // 6%: beyond the narrowed band (it replaces 300)
    expect(guard.check('AAA', 104, T0)).toBe('accepted-dropping-held');
  });

  it('goes back to the default band when the band is cleared', () => {
    const { guard } = guarded({ maxJump: 0.1 });
    guard.check('AAA', 100, T0);
    guard.setBand('AAA', 0.5);
    expect(guard.setBand('AAA', undefined)).toMatchObject({ before: 0.5, after: 0.1 });
    expect(guard.check('AAA', 115, T0)).toBe('held');
    expect(guard.view()[0]).toMatchObject({ bandSet: false, maxJump: 0.1 });
  });

  it('refuses a band that is not a finite number above zero', () => {
    const { guard } = guarded();
    for (const b of [0, -0.1, NaN, Infinity]) expect(() => guard.setBand('AAA', b)).toThrow(RangeError);
    expect(() => new TickGuard({ nowMs: () => 0 }, { maxJump: 0 })).toThrow(RangeError);
  });
});

describe('tick guard: logging held ticks', () => {
  it('grants one log line per symbol per interval and reports how many held ticks were not logged', () => {
    const { guard, clock } = guarded();
    guard.check('AAA', 100, T0);
    guard.check('AAA', 1000, T0);
    expect(guard.takeLogSlot('AAA', 1000)).toBe(0);
    for (let i = 0; i < 50; i++) {
      guard.check('AAA', 1000 * (i % 2 ? 1 : 10), T0);
      expect(guard.takeLogSlot('AAA', 1000)).toBe(-1);
    }
    clock.now += 1000;
    expect(guard.takeLogSlot('AAA', 1000)).toBe(50);
    expect(guard.takeLogSlot('AAA', 1000)).toBe(-1);
  });
});
