/**
 * Market-data checks for risk managers (role risk_manager, the `marketChecks` action): the held
 * ticks and their counts, and per-symbol tick bands (src/engine/market/tick-guard.ts). A band change
 * is audited with the caller's subject, like a limits change, and answered once it is durable.
 */
import { type HttpResult, fail } from './http-util.js';
import { SetTickBandBody } from './protocol.js';
import { FORBIDDEN } from './route-doc.js';
import { type RouteSpec, denied, parseBody } from './route-spec.js';

export const MARKET_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', pattern: '/market/held', paramCount: 0, hasBody: false,
    doc: {
      summary: 'Ticks held by the market-data checks, and their counts', tags: ['market'],
      responses: { 200: { description: '{counts: {held, dropped, confirmed, released, refused}, symbols: [{symbol, lastPrice, lastTs, maxJump, bandSet, heldTick, counts}]}' } },
      errors: FORBIDDEN,
    },
    handle: (c): HttpResult => {
      return denied(c.principal, 'marketChecks') ?? { status: 200, body: c.engine.heldTicks() };
    },
  },
  {
    method: 'post', pattern: '/market/band', paramCount: 0, hasBody: true,
    doc: {
      summary: "Set a symbol's tick band (null: back to TICK_MAX_JUMP)", tags: ['market'], body: SetTickBandBody, bodyExample: { symbol: 'AAA', maxJump: 0.5 },
      responses: { 200: { description: '{symbol, maxJump, released?: {price, ts}}' } },
      errors: { 400: ['INVALID_MESSAGE'], ...FORBIDDEN },
    },
    handle: async (c): Promise<HttpResult> => {
      const d = denied(c.principal, 'marketChecks');
      if (d) return d;
      const b = parseBody(SetTickBandBody, c.body);
      if (!b.ok) return b.result;
      // Answered once the change is in the audit trail (the engine waits for it).
      const r = await c.engine.setTickBand(b.value.symbol, b.value.maxJump ?? undefined, c.principal.sub);
      if (!r.ok) return fail(400, { code: r.code, message: r.message });
      return { status: 200, body: r.value };
    },
  },
];
