/**
 * The demo market (`serve --demo`, src/main.ts runDemo) and the real-time bench feed simulated
 * ticks through the same market-data checks as any feed: at their settings none may be held or
 * refused, or the demo would stall and the bench would measure held ticks instead of risk.
 */
import { describe, expect, it } from 'vitest';
import { createDemoMarket, demoUnderlyings } from '../../../src/engine/market/demo-market.js';
import { TickGuard } from '../../../src/engine/market/tick-guard.js';

/** Feeds `seconds` of a market's ticks, round-robin at `ticksPerSec`, advanced every `periodMs`, through a default guard. */
function run(opts: { underlyings: number; universeSeed: number; timeScale: number; ticksPerSec: number; periodMs: number; seconds: number; seed: number }) {
  const clock = { now: Date.UTC(2026, 0, 15, 15), nowMs() { return this.now; } };
  const guard = new TickGuard(clock);
  const market = createDemoMarket({ underlyings: demoUnderlyings(opts.underlyings, opts.universeSeed), seed: opts.seed, timeScale: opts.timeScale });
  const symbols = market.symbols;
  market.prices().forEach((p, i) => expect(guard.check(symbols[i]!, p, clock.now)).toBe('accepted'));
  const perPeriod = Math.max(1, Math.round((opts.ticksPerSec * opts.periodMs) / 1000));
  let cursor = 0;
  for (let t = 0; t < opts.seconds * 1000; t += opts.periodMs) {
    clock.now += opts.periodMs;
    const prices = market.next(opts.periodMs);
    for (let k = 0; k < perPeriod; k++) {
      const i = cursor++ % symbols.length;
      guard.check(symbols[i]!, prices[i]!, clock.now);
    }
  }
  return guard.counts();
}

describe('simulated feeds pass the market-data checks', () => {
  it('holds and refuses none of an hour of the demo market at serve --demo defaults (50 ticks/s over 10 underlyings, 2000× time)', () => {
    expect(run({ underlyings: 10, universeSeed: 7 /* SIMULATED_UNIVERSE_SEED */, timeScale: 2000, ticksPerSec: 50, periodMs: 10, seconds: 3600, seed: 1 })).toMatchObject({ held: 0, refused: 0 });
  });

  it('holds and refuses none of a minute of the bench feed (5,000 ticks/s over 50 underlyings, 500× time)', () => {
    expect(run({ underlyings: 50, universeSeed: 7 /* bench/realtime/scenario.ts */, timeScale: 500, ticksPerSec: 5000, periodMs: 10, seconds: 60, seed: 11 })).toMatchObject({ held: 0, refused: 0 });
  });
});
