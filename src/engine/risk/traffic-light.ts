/**
 * Basel traffic-light zone of a VaR backtest (Basel Committee, "Supervisory framework for the use of
 * backtesting", 1996, Table 2).
 *
 * The zones are defined by the cumulative binomial probability P(X ≤ x) of seeing at most x
 * exceptions in T days when the model is right (X ~ Bin(T, 1 − confidence)):
 *   green  while P(X ≤ x) < 95%
 *   red    once  P(X ≤ x) ≥ 99.99%
 *   yellow in between.
 * For T = 250 at 99% this reproduces the Basel table: green 0–4, yellow 5–9, red 10 or more; the same
 * rule gives the zones for any T and confidence.
 */
export type TrafficLightZone = 'green' | 'yellow' | 'red';

/** P(X ≤ x) for X ~ Bin(n, p), summing the pmf by its ratio recurrence from log-space P(X = 0). */
export function binomialCdf(x: number, n: number, p: number): number {
  if (x < 0) return 0;
  if (x >= n) return 1;
  let pmf = Math.exp(n * Math.log1p(-p));
  let cdf = pmf;
  const odds = p / (1 - p);
  for (let k = 1; k <= x; k++) {
    pmf *= ((n - k + 1) / k) * odds;
    cdf += pmf;
  }
  return Math.min(1, cdf);
}

export const GREEN_LIMIT = 0.95;
export const RED_LIMIT = 0.9999;

export function trafficLightZone(days: number, exceptions: number, confidence: number): TrafficLightZone {
  const cdf = binomialCdf(exceptions, days, 1 - confidence);
  if (cdf < GREEN_LIMIT) return 'green';
  return cdf >= RED_LIMIT ? 'red' : 'yellow';
}
