/**
 * Parametric VaR and ES from the covariance of daily simple returns.
 *
 * Σ is the sample covariance (means removed, divisor n − 1) of the `window` daily simple returns up
 * to asOf; the P&L model has zero drift. The horizon scales it: Σ_h = h·Σ (square-root-of-time).
 *
 * Delta-normal: P&L = δᵀr with δ the dollar deltas per underlying, r ~ N(0, Σ_h):
 *   σ = √(δᵀΣ_hδ),  VaR_c = z_c σ,  ES_c = σ φ(z_c) / (1 − c).
 *
 * Delta-gamma: P&L = δᵀr + ½ rᵀΓr, Γ = diag(dollar gammas) (no cross-gamma). The cumulants of this
 * quadratic form of a Gaussian are exact (Mathai & Provost 1992), with A = ΓΣ_h:
 *   κ1 = ½ tr(A)                       (the mean: gamma earns or loses on average)
 *   κ2 = δᵀΣ_hδ + ½ tr(A²)
 *   κ3 = 3 δᵀΣ_hΓΣ_hδ + tr(A³)
 *   κ4 = 12 δᵀΣ_h(ΓΣ_h)²δ + 3 tr(A⁴)
 * The loss L = −P&L has mean −κ1, variance κ2, skewness −κ3/κ2^1.5 and excess kurtosis κ4/κ2². VaR is
 * the Cornish–Fisher quantile (Zangari 1996):
 *   w(z) = z + (z²−1)S/6 + (z³−3z)K/24 − (2z³−5z)S²/36,   VaR_c = μ_L + σ w(z_c)
 * and ES is the exact tail mean of that same expansion, E[μ_L + σ w(Z) | Z > z_c], which has a closed
 * form because the tail moments of a standard normal are E[Z|Z>z] = φ(z)/(1−c),
 * E[Z²|Z>z] = 1 + zφ(z)/(1−c), E[Z³|Z>z] = (z²+2)φ(z)/(1−c). With Γ = 0 both reduce to delta-normal.
 * Cornish–Fisher is an approximation: for strongly non-linear books (large short gamma) prefer
 * full revaluation.
 */
import { normPdf } from '../pricing/normal.js';
import type { AlignedHistories } from '../market/price-history.js';
import type { RiskResult } from './errors.js';
import { sampleCovariance } from './covariance.js';
import { normInv } from './normal-quantile.js';
import { historicalReturnScenarios } from './return-scenarios.js';
import type { DgvAggregates } from './var-dgv.js';
import type { ParametricKind, TailFigures, VarSpec } from './var-types.js';

/** Mean, standard deviation, skewness and excess kurtosis of the loss distribution. */
export interface LossMoments {
  readonly mean: number;
  readonly sd: number;
  readonly skew: number;
  readonly exKurt: number;
}

/** Daily simple-return covariance of `tickers` over the last `window` days (needs window + 1 prices). */
export function dailyReturnCovariance(
  aligned: AlignedHistories,
  tickers: readonly string[],
  window: number,
): RiskResult<Float64Array> {
  const sc = historicalReturnScenarios(aligned, tickers, window, 1);
  if (!sc.ok) return sc;
  return { ok: true, value: sampleCovariance(sc.value.returns, window, tickers.length) };
}

function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + aik * (b[k * n + j] as number);
    }
  return c;
}
function trace(a: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += a[i * n + i] as number;
  return t;
}
/** xᵀ M y */
function bilinear(x: Float64Array, m: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += (m[i * n + j] as number) * (y[j] as number);
    s += (x[i] as number) * row;
  }
  return s;
}

/** Loss moments of the delta-normal or delta-gamma model under covariance `covH` (already × h). */
export function lossMoments(agg: DgvAggregates, covH: Float64Array, kind: ParametricKind): LossMoments {
  const n = agg.tickers.length;
  const d = agg.dollarDelta;
  const dSd = bilinear(d, covH, d, n);
  if (kind === 'delta-normal') return { mean: 0, sd: Math.sqrt(Math.max(dSd, 0)), skew: 0, exKurt: 0 };
  // A = ΓΣ with Γ diagonal: row i of Σ scaled by Γ_i.
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (agg.dollarGamma[i] as number) * (covH[i * n + j] as number);
  const a2 = matMul(a, a, n), a3 = matMul(a2, a, n), a4 = matMul(a2, a2, n);
  const sa = matMul(covH, a, n); // ΣΓΣ
  const sa2 = matMul(sa, a, n); // ΣΓΣΓΣ
  const k1 = 0.5 * trace(a, n);
  const k2 = dSd + 0.5 * trace(a2, n);
  const k3 = 3 * bilinear(d, sa, d, n) + trace(a3, n);
  const k4 = 12 * bilinear(d, sa2, d, n) + 3 * trace(a4, n);
  const sd = Math.sqrt(Math.max(k2, 0));
  if (sd === 0) return { mean: -k1, sd: 0, skew: 0, exKurt: 0 };
  return { mean: -k1, sd, skew: -k3 / sd ** 3, exKurt: k4 / sd ** 4 };
}

/** Cornish–Fisher VaR and ES of a loss with the given moments (exactly normal when S = K = 0). */
export function cornishFisherTail(m: LossMoments, confidence: number, esConfidence: number): { var: number; es: number } {
  const { skew: s, exKurt: k } = m;
  const w = (z: number): number => z + ((z * z - 1) * s) / 6 + ((z ** 3 - 3 * z) * k) / 24 - ((2 * z ** 3 - 5 * z) * s * s) / 36;
  const zv = normInv(confidence);
  const ze = normInv(esConfidence);
  const tail = 1 - esConfidence;
  const phi = normPdf(ze);
  const e1 = phi / tail;
  const e2 = 1 + (ze * phi) / tail;
  const e3 = ((ze * ze + 2) * phi) / tail;
  const ew = e1 + ((e2 - 1) * s) / 6 + ((e3 - 3 * e1) * k) / 24 - ((2 * e3 - 5 * e1) * s * s) / 36;
  return { var: m.mean + m.sd * w(zv), es: m.mean + m.sd * ew };
}

/** Parametric VaR and ES of aggregates over `window` days of history, horizon `horizonDays`. */
export function parametricVar(agg: DgvAggregates, aligned: AlignedHistories, spec: VarSpec, kind: ParametricKind): RiskResult<TailFigures> {
  const { window, horizonDays, confidence, esConfidence } = spec;
  const cov = dailyReturnCovariance(aligned, agg.tickers, window);
  if (!cov.ok) return cov;
  const covH = cov.value.map((x) => x * horizonDays);
  return { ok: true, value: { ...cornishFisherTail(lossMoments(agg, covH, kind), confidence, esConfidence), scenarios: window } };
}
