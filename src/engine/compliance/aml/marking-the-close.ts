/**
 * MARKING_THE_CLOSE: a customer's trading in an instrument concentrated in the last minutes before
 * the close (at least minShareOfVolume of their day's quantity in it) while the price moves in the
 * direction they trade by at least minPriceMove: the closing price, which values positions and
 * settles contracts, pushed on purpose. The move is measured from the reference price at the start
 * of the window: the last market mark at or before it, else the customer's last fill before it,
 * else their first fill in the window. A window of less than minNotional is not looked at (a few lots
 * bought as the market rises into the close mark nothing). It fires on the first fill that meets them all.
 */
import { type AmlFill, type RuleInput, anchorOf, notionalOf } from './activity.js';
import { type AmlFigures, type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

const DAY_MS = 86_400_000;

/** At this multiple of minPriceMove the alert is high. */
export const MARKING_HIGH_MULTIPLE = 3;

interface Marked { readonly fills: readonly AmlFill[]; readonly figures: AmlFigures; readonly move: number }

function markedAt(input: RuleInput, p: AmlRuleParams['markingTheClose']): Marked | null {
  const fill = anchorOf(input);
  const dayStart = Math.floor(fill.ts / DAY_MS) * DAY_MS;
  const closeMs = dayStart + p.closeMinuteUtc * 60_000;
  const windowStart = closeMs - p.windowMinutes * 60_000;
  if (!(fill.ts >= windowStart && fill.ts < closeMs)) return null;
  const day: AmlFill[] = [];
  for (let i = input.at; i >= 0; i--) {
    const f = input.activity.fills[i] as AmlFill;
    if (f.ts < dayStart) break;
    if (f.instrument === fill.instrument) day.push(f);
  }
  const inWindow = day.filter((f) => f.ts >= windowStart);
  const before = day.filter((f) => f.ts < windowStart);
  const qty = (fs: readonly AmlFill[]): number => fs.reduce((s, f) => s + f.qty, 0);
  const share = qty(inWindow) / qty(day);
  const netQty = inWindow.reduce((s, f) => s + (f.side === 'buy' ? f.qty : -f.qty), 0);
  const windowNotional = inWindow.reduce((s, f) => s + notionalOf(f), 0);
  if (!(share >= p.minShareOfVolume) || netQty === 0 || !(windowNotional >= p.minNotional)) return null;
  const mark = (input.activity.marks ?? []).filter((m) => m.instrument === fill.instrument && m.ts <= windowStart).sort((a, b) => b.ts - a.ts)[0];
  const reference = mark?.price ?? before[0]?.price ?? (inWindow[inWindow.length - 1] as AmlFill).price;
  if (!(reference > 0)) return null;
  const move = ((fill.price - reference) / reference) * Math.sign(netQty);
  if (!(move >= p.minPriceMove)) return null;
  return {
    fills: inWindow, move,
    figures: {
      instrument: fill.instrument, shareOfDayVolume: share, minShareOfVolume: p.minShareOfVolume, netQtyInWindow: netQty,
      referencePrice: reference, referenceFrom: mark !== undefined ? 'market' : before[0] !== undefined ? 'fill-before-window' : 'first-fill-in-window',
      lastPrice: fill.price, priceMove: move, minPriceMove: p.minPriceMove, windowNotional, minNotional: p.minNotional, windowStartMs: windowStart, closeMs,
    },
  };
}

export function markingTheClose(input: RuleInput, p: AmlRuleParams['markingTheClose']): AmlRuleAlert | null {
  const marked = markedAt(input, p);
  if (marked === null) return null;
  const fill = anchorOf(input);
  // The previous fill of this instrument in the window already met the conditions: one alert per window.
  const previous = marked.fills[1];
  if (previous !== undefined && markedAt({ ...input, at: input.activity.fills.indexOf(previous) }, p) !== null) return null;
  return alertOn('MARKING_THE_CLOSE', marked.move >= MARKING_HIGH_MULTIPLE * p.minPriceMove ? 'high' : 'medium',
    input.activity.customerId, fill, marked.fills, [], marked.figures);
}
