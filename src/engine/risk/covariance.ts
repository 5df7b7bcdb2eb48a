/**
 * Sample covariance and Cholesky factor of a scenario × underlying return matrix.
 */
import { type RiskResult, riskErrors } from './errors.js';

/**
 * Sample covariance (means removed, divisor n − 1) of the n rows of `x` (row-major, nU columns).
 * Returned as a dense nU × nU row-major matrix.
 */
export function sampleCovariance(x: Float64Array, n: number, nU: number): Float64Array {
  const mean = new Float64Array(nU);
  for (let s = 0; s < n; s++) for (let u = 0; u < nU; u++) mean[u] = (mean[u] as number) + (x[s * nU + u] as number);
  for (let u = 0; u < nU; u++) mean[u] = (mean[u] as number) / n;
  const cov = new Float64Array(nU * nU);
  for (let s = 0; s < n; s++) {
    for (let a = 0; a < nU; a++) {
      const da = (x[s * nU + a] as number) - (mean[a] as number);
      for (let b = a; b < nU; b++) cov[a * nU + b] = (cov[a * nU + b] as number) + da * ((x[s * nU + b] as number) - (mean[b] as number));
    }
  }
  for (let a = 0; a < nU; a++) {
    for (let b = a; b < nU; b++) {
      const v = (cov[a * nU + b] as number) / (n - 1);
      cov[a * nU + b] = v;
      cov[b * nU + a] = v;
    }
  }
  return cov;
}

/**
 * Lower-triangular L with L Lᵀ = cov. A positive semidefinite matrix with a zero pivot (an
 * underlying that never moved, or two perfectly correlated ones) keeps a zero column instead of
 * failing: that direction simply carries no randomness. A clearly negative pivot is an error.
 */
export function cholesky(cov: Float64Array, nU: number): RiskResult<Float64Array> {
  const l = new Float64Array(nU * nU);
  let scale = 0;
  for (let i = 0; i < nU; i++) scale = Math.max(scale, Math.abs(cov[i * nU + i] as number));
  const tol = 1e-12 * (scale || 1);
  for (let j = 0; j < nU; j++) {
    let d = cov[j * nU + j] as number;
    for (let k = 0; k < j; k++) d -= (l[j * nU + k] as number) ** 2;
    if (d < -tol) return riskErrors.notPsd(`pivot ${j} is ${d}`);
    const ljj = d > tol ? Math.sqrt(d) : 0;
    l[j * nU + j] = ljj;
    for (let i = j + 1; i < nU; i++) {
      let s = cov[i * nU + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * nU + k] as number) * (l[j * nU + k] as number);
      l[i * nU + j] = ljj > 0 ? s / ljj : 0;
    }
  }
  return { ok: true, value: l };
}
