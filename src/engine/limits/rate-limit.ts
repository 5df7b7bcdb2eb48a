import { type CheckResult, reject } from './reason-codes.js';
import type { RiskLimits } from './risk-limits.js';
import type { OrderAction } from './types.js';

/**
 * Order-rate limits as a pure sliding-window log: the times (ms) of the accepted requests still
 * inside the window, oldest first. An exact window rather than a token bucket, so "100 per second"
 * means at most 100 in any second, never a 2× burst across a refill. The log holds at most `limit`
 * entries, so copying it per request stays cheap.
 */
export type RateWindow = readonly number[];

export interface RateLimitState {
  readonly submit: RateWindow;
  readonly modify: RateWindow;
}

export const EMPTY_RATE_LIMIT_STATE: RateLimitState = Object.freeze({ submit: [], modify: [] });

export interface RateDecision {
  readonly allowed: boolean;
  readonly window: RateWindow;
}

/** Takes a slot at nowMs if fewer than `limit` were taken in (nowMs − intervalMs, nowMs]. */
export function takeRateSlot(window: RateWindow, nowMs: number, limit: number, intervalMs: number): RateDecision {
  const start = nowMs - intervalMs;
  let first = 0;
  while (first < window.length && (window[first] ?? Infinity) <= start) first++;
  const live = first === 0 ? window : window.slice(first);
  if (live.length >= limit) return { allowed: false, window: live };
  return { allowed: true, window: [...live, nowMs] };
}

/** Applies the submit or modify limit; a refused request does not count towards the window. */
export function checkRateLimit(
  state: RateLimitState,
  action: OrderAction,
  nowMs: number,
  limits: RiskLimits,
): { result: CheckResult; state: RateLimitState } {
  if (action === 'cancel') return { result: null, state };
  const isSubmit = action === 'submit';
  const [limit, intervalMs] = isSubmit
    ? [limits.submitRateLimit, limits.submitRateIntervalMs]
    : [limits.modifyRateLimit, limits.modifyRateIntervalMs];
  const d = takeRateSlot(isSubmit ? state.submit : state.modify, nowMs, limit, intervalMs);
  const next = isSubmit ? { ...state, submit: d.window } : { ...state, modify: d.window };
  if (d.allowed) return { result: null, state: next };
  return {
    result: reject(isSubmit ? 'RATE_LIMIT_SUBMIT' : 'RATE_LIMIT_MODIFY', `${action} rate ${d.window.length} in ${intervalMs} ms >= limit ${limit}`),
    state: next,
  };
}
