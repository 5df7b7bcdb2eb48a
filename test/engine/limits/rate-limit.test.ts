import { describe, expect, it } from 'vitest';
import { takeRateSlot } from '../../../src/engine/limits/rate-limit.js';

describe('takeRateSlot', () => {
  it('takes slots until the window holds the limit, then refuses without recording the refusal', () => {
    let w: readonly number[] = [];
    const taken: boolean[] = [];
    for (const t of [0, 10, 20, 30]) {
      const d = takeRateSlot(w, t, 3, 100);
      taken.push(d.allowed);
      w = d.window;
    }
    expect(taken).toEqual([true, true, true, false]);
    expect(w).toEqual([0, 10, 20]);
  });

  it('frees a slot exactly one interval after it was taken', () => {
    expect(takeRateSlot([0, 10, 20], 99, 3, 100).allowed).toBe(false);
    expect(takeRateSlot([0, 10, 20], 100, 3, 100)).toEqual({ allowed: true, window: [10, 20, 100] });
  });

  it('never keeps more than the limit in its log', () => {
    let w: readonly number[] = [];
    for (let t = 0; t < 10_000; t += 3) w = takeRateSlot(w, t, 100, 1_000).window;
    expect(w.length).toBeLessThanOrEqual(100);
  });

  it('does not mutate the window it was given', () => {
    const w = Object.freeze([0, 10]);
    takeRateSlot(w, 20, 5, 100);
    expect(w).toEqual([0, 10]);
  });
});
