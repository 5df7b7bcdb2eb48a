/**
 * Market-data checks for risk managers (role risk_manager, the `marketChecks` action): the held
 * ticks and their counts, and per-symbol tick bands (src/engine/market/tick-guard.ts). A band change
 * is audited with the caller's subject, like a limits change, and answered once it is durable.
 */
import { type HttpResult, fail } from './http-util.js';
import { SetTickBandBody } from './protocol.js';
import { type RouteSpec, denied, parseBody } from './route-spec.js';

export const MARKET_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', pattern: '/market/held', paramCount: 0, hasBody: false,
    handle: (c): HttpResult => {
      return denied(c.principal, 'marketChecks') ?? { status: 200, body: c.engine.heldTicks() };
    },
  },
  {
    method: 'post', pattern: '/market/band', paramCount: 0, hasBody: true,
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
