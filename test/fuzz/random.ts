/**
 * The fuzz's one random source: the engine's seeded xoshiro128** (src/engine/risk/prng.ts) with the
 * few draws a generator needs. Every hostile request and frame comes from it, so a seed replays a run.
 */
import { createRng, type Rng } from '../../src/engine/risk/prng.js';

export class Rand {
  private readonly rng: Rng;
  constructor(readonly seed: number) {
    this.rng = createRng(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.rng.nextUniform();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** Printable ASCII of length n. */
  ascii(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + this.int(95));
    return s;
  }

  /** A fresh seed for a sub-generator, so a phase's sequence does not depend on another's length. */
  fork(): Rand {
    return new Rand((this.int(0x100000000) ^ this.seed) >>> 0);
  }
}
