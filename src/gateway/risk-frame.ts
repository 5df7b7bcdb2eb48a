/**
 * The `risk` frame (docs/PROTOCOL.md) written field by field: the same bytes as the library's
 * encoding of `{ type: 'risk', ...streamedRisk(snapshot) }` for a snapshot built by the engine (key order as the
 * engine builds it; test/gateway/risk-frame.test.ts holds the two equal), several times faster than
 * the library (why: msgpack-writer.ts).
 */
import type { GreekTotals, RiskSnapshot } from '../engine/actors/types.js';
import { MsgpackWriter } from './msgpack-writer.js';

/** Every constant string of the frame, encoded once. */
const KEYS = ['breaches', 'byUnderlying', 'code', 'computedMs', 'confidence', 'delta', 'detail', 'dollarDelta', 'dollarGamma', 'equity', 'es', 'esConfidence', 'gamma', 'greeks', 'leverage', 'margin', 'marketValue', 'method', 'pnl', 'portfolioId', 'realised', 'requirement', 'rho', 'risk', 'seq', 'spot', 'theta', 'tickTs', 'total', 'type', 'unrealised', 'value', 'var', 'vega'] as const;
type Key = (typeof KEYS)[number];

export class RiskFrameWriter {
  private readonly w = new MsgpackWriter();
  private readonly keys = Object.fromEntries(KEYS.map((k) => [k, this.w.encoded(k)])) as Record<Key, Uint8Array>;

  /** The frame, in the writer's buffer: valid until the next encode (sessions copy it at once). */
  encode(r: RiskSnapshot): Uint8Array {
    const w = this.w.reset();
    const K = this.keys;
    w.mapHeader(14);
    w.raw(K.type); w.raw(K.risk);
    w.raw(K.portfolioId); w.string(r.portfolioId);
    w.num(K.seq, r.seq);
    w.num(K.tickTs, r.tickTs);
    w.num(K.computedMs, r.computedMs);
    w.raw(K.greeks);
    w.mapHeader(5);
    this.greeks(r.greeks);
    w.raw(K.byUnderlying);
    const names = Object.keys(r.byUnderlying);
    w.mapHeader(names.length);
    for (const name of names) {
      const u = r.byUnderlying[name];
      w.string(name);
      if (u === undefined) { w.nil(); continue; }
      w.mapHeader(8);
      this.greeks(u);
      w.num(K.spot, u.spot);
      w.num(K.dollarDelta, u.dollarDelta);
      w.num(K.dollarGamma, u.dollarGamma);
    }
    w.num(K.marketValue, r.marketValue);
    w.num(K.equity, r.equity);
    w.raw(K.pnl);
    w.mapHeader(3);
    w.num(K.realised, r.pnl.realised);
    w.num(K.unrealised, r.pnl.unrealised);
    w.num(K.total, r.pnl.total);
    const v = r.var;
    this.methodMap(K.var, 5, v.method);
    w.num(K.confidence, v.confidence);
    w.num(K.value, v.value);
    w.num(K.esConfidence, v.esConfidence);
    w.num(K.es, v.es);
    const m = r.margin;
    this.methodMap(K.margin, 3, m.method);
    w.num(K.requirement, m.requirement);
    w.num(K.computedMs, m.computedMs);
    w.num(K.leverage, r.leverage);
    w.raw(K.breaches);
    w.arrayHeader(r.breaches.length);
    for (const b of r.breaches) {
      w.mapHeader(2);
      w.raw(K.code); w.string(b.code);
      w.raw(K.detail); w.string(b.detail);
    }
    return w.frame();
  }

  /** `key` and the head of its map of `entries` entries, whose first is `method` (var and margin). */
  private methodMap(key: Uint8Array, entries: number, method: string): void {
    const w = this.w;
    w.raw(key);
    w.mapHeader(entries);
    w.raw(this.keys.method); w.string(method);
  }

  /** The five Greeks, in GreekTotals' order (a portfolio's totals and each underlying's open with them). */
  private greeks(g: GreekTotals): void {
    const w = this.w, K = this.keys;
    w.num(K.delta, g.delta);
    w.num(K.gamma, g.gamma);
    w.num(K.vega, g.vega);
    w.num(K.theta, g.thetaPerYear); // the protocol's name (engine/actors/streamed-risk.ts)
    w.num(K.rho, g.rho);
  }
}
