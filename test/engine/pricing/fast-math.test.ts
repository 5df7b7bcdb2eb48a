import { describe, expect, it } from 'vitest';
import { fastExp } from '../../../src/engine/pricing/fast-math.js';

function seededRandom(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
}

describe('fastExp', () => {
  it('is within 5e-16 relative of Math.exp over its whole fast range and near 0', () => {
    const rnd = seededRandom(11);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = i % 2 === 0 ? -708 + 1417 * rnd() : (rnd() - 0.5) * 2;
      const want = Math.exp(x);
      worst = Math.max(worst, Math.abs(fastExp(x) - want) / want);
    }
    expect(worst).toBeLessThan(5e-16);
  });

  it('is exact at 0 and at the ends of its table range, and monotone across a reduction step', () => {
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-0)).toBe(1);
    for (const x of [-708, 709, Math.LN2, -Math.LN2, Math.LN2 / 64, -Math.LN2 / 64]) {
      expect(Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(5e-16);
    }
    const step = Math.LN2 / 64;
    expect(fastExp(step - 1e-15)).toBeLessThanOrEqual(fastExp(step + 1e-15));
  });

  it('defers to Math.exp outside [-708, 709]: underflow, overflow, infinities and NaN', () => {
    for (const x of [-745.2, -720, -1e6, -Infinity, 709.8, 710, Infinity]) expect(fastExp(x)).toBe(Math.exp(x));
    expect(fastExp(NaN)).toBeNaN();
  });
});
