/**
 * A RiskSnapshot under the field names the protocol gives it (docs/PROTOCOL.md, the `risk` frame):
 * the same figures, with `thetaPerYear` named `theta`. Every writer of a snapshot outside the engine
 * uses it (websocket frames, REST, persisted snapshots), so the wire keeps one name whatever the
 * engine calls the field; the gateway's hand-written frame (gateway/risk-frame.ts) writes the same bytes.
 */
import type { GreekTotals, RiskSnapshot, UnderlyingRisk } from './types.js';

/** GreekTotals as the protocol names them. */
export type StreamedGreeks = Omit<GreekTotals, 'thetaPerYear'> & {
  /** GreekTotals.thetaPerYear. */
  readonly theta: number;
};

export type StreamedUnderlyingRisk = StreamedGreeks & Omit<UnderlyingRisk, keyof GreekTotals>;

export type StreamedRisk = Omit<RiskSnapshot, 'greeks' | 'byUnderlying'> & {
  readonly greeks: StreamedGreeks;
  readonly byUnderlying: Readonly<Record<string, StreamedUnderlyingRisk>>;
};

export function streamedGreeks(g: GreekTotals): StreamedGreeks {
  return { delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.thetaPerYear, rho: g.rho };
}

/** The snapshot under the protocol's names; key order is the snapshot's, so encodings compare byte for byte. */
export function streamedRisk(r: RiskSnapshot): StreamedRisk {
  const byUnderlying: Record<string, StreamedUnderlyingRisk> = {};
  for (const [name, u] of Object.entries(r.byUnderlying)) {
    byUnderlying[name] = { ...streamedGreeks(u), spot: u.spot, dollarDelta: u.dollarDelta, dollarGamma: u.dollarGamma };
  }
  return { ...r, greeks: streamedGreeks(r.greeks), byUnderlying };
}
