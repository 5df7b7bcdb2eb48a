/**
 * Empirical VaR and Expected Shortfall of a sample of scenario losses.
 *
 * Conventions (shared by every scenario method; see docs/RISK-METHODS.md):
 * - Losses are positive amounts of currency: loss = value today − value in the scenario.
 * - With n losses ranked from the largest (L(1) ≥ L(2) ≥ … ≥ L(n)), VaR at confidence c is
 *       VaR_c = L(k+1),  k = floor(n(1−c) + 1e-9)
 *   which is the inverse empirical CDF inf{x : F(x) ≥ c}, F the empirical CDF of the losses. The 1e-9
 *   absorbs floating noise in n(1−c) (100·(1−0.99) = 1.0000000000000009 must count as 1, and
 *   0.9999999999 as 1 too). Example: n = 500, c = 0.99 → k = 5 → the 6th largest loss.
 * - ES per Acerbi–Tasche (2002): with m = n(1−c), the mean of the worst m losses, where the worst
 *   floor(m) count in full and the next one, L(floor(m)+1), with weight m − floor(m):
 *       ES_c = ( Σ_{i≤floor(m)} L(i) + (m − floor(m)) L(floor(m)+1) ) / m
 *   This is coherent and does not jump when n(1−c) crosses an integer.
 * VaR and ES may be negative (a book that gains in every scenario); they are reported as computed.
 */

const EPS = 1e-9;

/** Rank k (0-based from the largest) of the VaR loss: floor(n(1−c) + 1e-9), capped at n−1. */
export function varRank(n: number, confidence: number): number {
  return Math.min(n - 1, Math.floor(n * (1 - confidence) + EPS));
}

/** Tail mass m = n(1−c), snapped to an integer when within 1e-9 of one. */
function tailMass(n: number, confidence: number): number {
  const m = n * (1 - confidence);
  const r = Math.round(m);
  return Math.abs(m - r) < EPS ? r : m;
}

/** How many of the largest losses VaR_cVar and ES_cEs need. */
export function tailSize(n: number, varConfidence: number, esConfidence: number): number {
  const esNeed = Math.min(n, Math.floor(tailMass(n, esConfidence)) + 1);
  return Math.min(n, Math.max(varRank(n, varConfidence) + 1, esNeed));
}

/**
 * The `k` largest values of `losses`, in descending order. For the small tails of VaR (k ≈ n/20) an
 * insertion buffer beats sorting all n: each loss costs one compare against the current k-th largest
 * and only the few that enter the tail pay an insertion. Large k falls back to a full sort.
 */
export function largestDescending(losses: Float64Array, k: number, n = losses.length): Float64Array {
  if (k <= 0) return new Float64Array(0);
  return largestDescendingInto(losses, k, n, new Float64Array(k));
}

/**
 * largestDescending into `top[0..k)` (top.length ≥ k; entries from k on are left alone), allocating
 * nothing on the insertion path. The k-th largest so far is kept in a local, not re-read from `top`.
 */
export function largestDescendingInto(losses: Float64Array, k: number, n: number, top: Float64Array): Float64Array {
  if (k * 8 > n) {
    const sorted = losses.slice(0, n).sort();
    for (let i = 0; i < k; i++) top[i] = sorted[n - 1 - i] as number;
    return top;
  }
  insertLargest(losses, n, top, k);
  return top;
}

/**
 * The k largest of values[0..n) into top[0..k), descending, by insertion (NaN never enters): one
 * compare per value against the k-th largest so far, kept in a local; only a value that enters
 * the tail pays a shift. Every tail selection of the engine ends here (tail-risk, the real-time
 * kernel, the wasm dgv kernel).
 */
export function insertLargest(values: Float64Array, n: number, top: Float64Array, k: number): void {
  top.fill(-Infinity, 0, k);
  let floor = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (!(x > floor)) continue;
    let j = k - 1;
    while (j > 0 && (top[j - 1] as number) < x) {
      top[j] = top[j - 1] as number;
      j--;
    }
    top[j] = x;
    floor = top[k - 1] as number;
  }
}

/** tailRisk's tail buffer, reused across calls (tailRisk is synchronous), grown on demand. */
let tailScratch = new Float64Array(64);

/** VaR from the descending tail (`top[0]` the largest loss) of `n` losses. */
export function varFromTail(top: Float64Array, n: number, confidence: number): number {
  return top[varRank(n, confidence)] as number;
}

/** Acerbi–Tasche ES from the descending tail of `n` losses. */
export function esFromTail(top: Float64Array, n: number, confidence: number): number {
  const m = tailMass(n, confidence);
  if (m <= 0) return top[0] as number;
  const whole = Math.floor(m);
  let sum = 0;
  for (let i = 0; i < whole && i < n; i++) sum += top[i] as number;
  const frac = m - whole;
  if (frac > 0 && whole < n) sum += frac * (top[whole] as number);
  return sum / m;
}

/** VaR and ES of a loss sample (losses positive). Reads only `losses[0..n)`. */
export function tailRisk(
  losses: Float64Array,
  varConfidence: number,
  esConfidence: number,
  n = losses.length,
): { var: number; es: number } {
  const k = tailSize(n, varConfidence, esConfidence);
  if (tailScratch.length < k) tailScratch = new Float64Array(k);
  // n = 0 (k = 0) keeps its old answer from an empty tail rather than reading stale scratch.
  const top = k > 0 ? largestDescendingInto(losses, k, n, tailScratch) : new Float64Array(0);
  return { var: varFromTail(top, n, varConfidence), es: esFromTail(top, n, esConfidence) };
}

/** Empirical VaR_c of a loss sample. */
export function empiricalVar(losses: Float64Array, confidence: number): number {
  const n = losses.length;
  return varFromTail(largestDescending(losses, varRank(n, confidence) + 1), n, confidence);
}

/** Empirical Acerbi–Tasche ES_c of a loss sample. */
export function empiricalEs(losses: Float64Array, confidence: number): number {
  const n = losses.length;
  return esFromTail(largestDescending(losses, tailSize(n, confidence, confidence)), n, confidence);
}
