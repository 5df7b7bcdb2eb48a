/**
 * Scenario: one core prices and risks a large book of European options through the SoA kernel.
 * Inputs mirror bench/floor/bs_floor.c (spot 50-450, strike 0.7-1.3 x spot, t 0.02-2.02,
 * vol 0.08-0.78, r = 0.03, q = 0.01) so ns/option compares directly with the C floor; unlike the C
 * file, calls and puts are mixed half and half. Reports the best of several timed runs after a
 * warm-up, because the minimum is the least noisy estimate on a shared machine.
 * Run: npx tsx bench/bsm.bench.ts [n]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocBsmBatchOutputs, bsmBatch } from '../src/engine/pricing/bsm-batch.js';

/** Park–Miller LCG so every run prices the same book. */
function seededRandom(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
}

export async function measureBsmNsPerOption(n = 2_000_000): Promise<number> {
  const rnd = seededRandom(1);
  const spot = new Float64Array(n), strike = new Float64Array(n), tYears = new Float64Array(n), vol = new Float64Array(n);
  const isCall = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    spot[i] = 50 + Math.floor(rnd() * 400);
    strike[i] = spot[i]! * (0.7 + Math.floor(rnd() * 60) / 100);
    tYears[i] = 0.02 + Math.floor(rnd() * 200) / 100;
    vol[i] = 0.08 + Math.floor(rnd() * 70) / 100;
    isCall[i] = rnd() < 0.5 ? 1 : 0;
  }
  const inputs = { spot, strike, tYears, vol, isCall, rate: 0.03, dividendYield: 0.01 };
  const out = allocBsmBatchOutputs(n);

  for (let w = 0; w < 3; w++) bsmBatch(inputs, out, Math.min(n, 200_000));
  let best = Infinity;
  let checksum = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    bsmBatch(inputs, out, n);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    best = Math.min(best, ns);
    checksum += out.price[n >> 1]!;
    await new Promise((done) => setImmediate(done));
  }
  if (!Number.isFinite(checksum)) throw new Error('benchmark produced a non-finite price');
  return best;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isMain) {
  const n = process.argv[2] !== undefined ? Number(process.argv[2]) : 2_000_000;
  console.log(JSON.stringify({ nsPerOption: Number((await measureBsmNsPerOption(n)).toFixed(1)) }));
}
