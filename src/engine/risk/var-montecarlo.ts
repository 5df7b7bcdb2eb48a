/**
 * Monte Carlo VaR and ES with correlated underlyings and full revaluation.
 *
 * Model: h-day log returns x ~ N(0, h·Σ), Σ the sample covariance (means removed, n − 1) of the
 * `window` daily log returns up to asOf. Zero drift: over a risk horizon of days the estimated mean is
 * noise far larger than its size, and a positive drift would flatter the VaR. Correlation enters
 * through the Cholesky factor L (Σ = L Lᵀ): x = √h · L z with z independent standard normals.
 * Each path moves every spot to S·e^{x_u} and reprices the book instantaneously (same t, vols, rate:
 * see risk-book.ts). The generator is seeded (prng.ts): same seed and inputs → the same result.
 */
import type { AlignedHistories } from '../market/price-history.js';
import { type RiskResult, riskErrors } from './errors.js';
import { cholesky, sampleCovariance } from './covariance.js';
import { createRng } from './prng.js';
import { historyColumns } from './return-scenarios.js';
import { type RiskBook, scenarioLosses } from './risk-book.js';
import { tailRisk } from './tail-risk.js';
import type { TailFigures, VarSpec } from './var-types.js';

/** Daily log-return covariance of `tickers` over the last `window` days (needs window + 1 prices). */
export function dailyLogReturnCovariance(
  aligned: AlignedHistories,
  tickers: readonly string[],
  window: number,
): RiskResult<Float64Array> {
  const cols = historyColumns(aligned, tickers);
  if (!cols.ok) return cols;
  const n = aligned.dates.length;
  if (n < window + 1) return riskErrors.insufficientHistory(window + 1, n, `a ${window}-day covariance`);
  const nU = tickers.length;
  const x = new Float64Array(window * nU);
  for (let s = 0; s < window; s++) {
    const i = n - window + s;
    for (let u = 0; u < nU; u++) {
      const p = cols.value[u] as Float64Array;
      x[s * nU + u] = Math.log((p[i] as number) / (p[i - 1] as number));
    }
  }
  return { ok: true, value: sampleCovariance(x, window, nU) };
}

/** Spot factors e^{x} of `paths` correlated h-day log-return draws (path × underlying, row-major). */
export function simulateFactors(chol: Float64Array, nU: number, horizonDays: number, paths: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const sqrtH = Math.sqrt(horizonDays);
  const z = new Float64Array(nU);
  const f = new Float64Array(paths * nU);
  for (let p = 0; p < paths; p++) {
    for (let u = 0; u < nU; u++) z[u] = rng.nextNormal();
    for (let i = 0; i < nU; i++) {
      let x = 0;
      for (let k = 0; k <= i; k++) x += (chol[i * nU + k] as number) * (z[k] as number);
      f[p * nU + i] = Math.exp(sqrtH * x);
    }
  }
  return f;
}

export function monteCarloVar(book: RiskBook, aligned: AlignedHistories, spec: VarSpec, paths: number, seed: number): RiskResult<TailFigures> {
  const { window, horizonDays, confidence, esConfidence } = spec;
  if (!Number.isInteger(paths) || paths < 2) return riskErrors.badPaths(paths);
  const nU = book.tickers.length;
  const cov = dailyLogReturnCovariance(aligned, book.tickers, window);
  if (!cov.ok) return cov;
  const chol = cholesky(cov.value, nU);
  if (!chol.ok) return chol;
  const factors = simulateFactors(chol.value, nU, horizonDays, paths, seed);
  const losses = scenarioLosses(book, book.spots, factors, paths);
  return { ok: true, value: { ...tailRisk(losses, confidence, esConfidence), scenarios: paths } };
}
