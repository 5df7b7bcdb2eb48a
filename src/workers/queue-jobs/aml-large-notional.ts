/**
 * An AML rule: a single fill whose notional reaches a threshold. Pure, so other rules (velocity,
 * structuring, wash trades) can sit beside it and be tested without a queue.
 */
import { AML_RULE_DEFAULTS } from '../../engine/compliance/aml/rule-defaults.js';
import type { AmlAlert } from '../../persistence/aml-alert-store.js';
import type { AmlFillJob } from '../../persistence/queue-payloads.js';

export const LARGE_NOTIONAL = 'LARGE_NOTIONAL';
/** The queue's threshold: the low-risk (and unrated) one of the rules (engine/compliance/aml); src/config.ts maps AML_LARGE_NOTIONAL onto it. */
export const AML_DEFAULTS = Object.freeze({ largeNotional: AML_RULE_DEFAULTS.largeNotional.low });
/** At this multiple of the threshold the alert is high severity (a fill ten times the limit is rarely routine). */
const HIGH_SEVERITY_MULTIPLE = 10;

/** qty × price × multiplier, in currency; the multiplier defaults to 1 (a share, a future quoted per contract). */
export function fillNotional(fill: AmlFillJob): number {
  return Math.abs(fill.qty * fill.price * (fill.multiplier ?? 1));
}

/** An alert when the fill's notional is at or above thresholdNotional, otherwise null. */
export function largeNotionalAlert(fill: AmlFillJob, thresholdNotional: number): AmlAlert | null {
  const notional = fillNotional(fill);
  if (!(notional >= thresholdNotional)) return null;
  return {
    fillId: fill.fillId,
    portfolioId: fill.portfolioId,
    rule: LARGE_NOTIONAL,
    severity: notional >= HIGH_SEVERITY_MULTIPLE * thresholdNotional ? 'high' : 'medium',
    notional,
    details: {
      orderId: fill.orderId,
      instrument: fill.instrument,
      side: fill.side,
      qty: fill.qty,
      price: fill.price,
      multiplier: fill.multiplier ?? 1,
      ts: fill.ts,
      thresholdNotional,
    },
  };
}
