/**
 * The `risk` frame (docs/PROTOCOL.md) written field by field: the same bytes as the library's
 * encoding of `{ type: 'risk', ...snapshot }` for a snapshot built by the engine (key order as the
 * engine builds it; test/gateway/risk-frame.test.ts holds the two equal), in a few µs instead of
 * ~15 (why: msgpack-writer.ts).
 */
import type { RiskSnapshot } from '../engine/actors/types.js';
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
    w.raw(K.seq); w.number(r.seq);
    w.raw(K.tickTs); w.number(r.tickTs);
    w.raw(K.computedMs); w.number(r.computedMs);
    w.raw(K.greeks);
    const g = r.greeks;
    w.mapHeader(5);
    w.raw(K.delta); w.number(g.delta);
    w.raw(K.gamma); w.number(g.gamma);
    w.raw(K.vega); w.number(g.vega);
    w.raw(K.theta); w.number(g.theta);
    w.raw(K.rho); w.number(g.rho);
    w.raw(K.byUnderlying);
    const names = Object.keys(r.byUnderlying);
    w.mapHeader(names.length);
    for (const name of names) {
      const u = r.byUnderlying[name];
      w.string(name);
      if (u === undefined) { w.nil(); continue; }
      w.mapHeader(8);
      w.raw(K.delta); w.number(u.delta);
      w.raw(K.gamma); w.number(u.gamma);
      w.raw(K.vega); w.number(u.vega);
      w.raw(K.theta); w.number(u.theta);
      w.raw(K.rho); w.number(u.rho);
      w.raw(K.spot); w.number(u.spot);
      w.raw(K.dollarDelta); w.number(u.dollarDelta);
      w.raw(K.dollarGamma); w.number(u.dollarGamma);
    }
    w.raw(K.marketValue); w.number(r.marketValue);
    w.raw(K.equity); w.number(r.equity);
    w.raw(K.pnl);
    w.mapHeader(3);
    w.raw(K.realised); w.number(r.pnl.realised);
    w.raw(K.unrealised); w.number(r.pnl.unrealised);
    w.raw(K.total); w.number(r.pnl.total);
    w.raw(K.var);
    const v = r.var;
    w.mapHeader(5);
    w.raw(K.method); w.string(v.method);
    w.raw(K.confidence); w.number(v.confidence);
    w.raw(K.value); w.number(v.value);
    w.raw(K.esConfidence); w.number(v.esConfidence);
    w.raw(K.es); w.number(v.es);
    w.raw(K.margin);
    const m = r.margin;
    w.mapHeader(3);
    w.raw(K.method); w.string(m.method);
    w.raw(K.requirement); w.number(m.requirement);
    w.raw(K.computedMs); w.number(m.computedMs);
    w.raw(K.leverage); w.number(r.leverage);
    w.raw(K.breaches);
    w.arrayHeader(r.breaches.length);
    for (const b of r.breaches) {
      w.mapHeader(2);
      w.raw(K.code); w.string(b.code);
      w.raw(K.detail); w.string(b.detail);
    }
    return w.frame();
  }
}
