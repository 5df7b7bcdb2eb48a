/**
 * Seedable pseudo-random numbers for Monte Carlo VaR.
 *
 * Hand-written rather than imported: Math.random cannot be seeded, and the engine must give the
 * same VaR for the same seed on every machine and in every worker (a report must be reproducible
 * and tests seed every random source). xoshiro128** (Blackman & Vigna 2018) passes BigCrush, needs
 * only 32-bit integer operations (fast in JS via Math.imul and >>> 0) and is a few lines; its state
 * is filled from the seed by splitmix32 as the authors recommend, so that similar seeds give
 * unrelated streams.
 */

export interface Rng {
  /** Uniform in [0, 1), 32 bits of randomness. */
  nextUniform(): number;
  /** Standard normal. */
  nextNormal(): number;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** seeded through splitmix32, with Marsaglia's polar method for normals. */
export function createRng(seed: number): Rng {
  const sm = splitmix32(seed);
  let s0 = sm(), s1 = sm(), s2 = sm(), s3 = sm();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3 >>> 0, 11);
    s0 >>>= 0; s1 >>>= 0; s2 >>>= 0;
    return result;
  };
  let spare = 0;
  let hasSpare = false;
  const nextUniform = (): number => nextU32() / 4294967296;
  return {
    nextUniform,
    nextNormal(): number {
      if (hasSpare) {
        hasSpare = false;
        return spare;
      }
      // Polar method: no trig calls, and the rejection rate (1 − π/4 ≈ 21%) is cheaper than sin/cos.
      let u: number, v: number, s: number;
      do {
        u = 2 * nextUniform() - 1;
        v = 2 * nextUniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      spare = v * m;
      hasSpare = true;
      return u * m;
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
