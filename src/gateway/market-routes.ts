/**
 * Market-data checks for risk managers (role risk_manager or admin, the `limits` action): the held
 * ticks and their counts, and per-symbol tick bands (src/engine/market/tick-guard.ts). A band change
 * is audited with the caller's subject, like a limits change, and answered once it is durable.
 */
import { authorize } from './authorize.js';
import { errors } from './errors.js';
import { type HttpResult, fail } from './http-util.js';
import { SetTickBandBody } from './protocol.js';
import type { RouteSpec } from './rest-routes.js';

export const MARKET_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', pattern: '/market/held', paramCount: 0, hasBody: false,
    handle: (c): HttpResult => {
      const why = authorize(c.principal, 'limits');
      if (why !== null) return fail(403, errors.forbidden(why));
      return { status: 200, body: c.engine.heldTicks() };
    },
  },
  {
    method: 'post', pattern: '/market/band', paramCount: 0, hasBody: true,
    handle: async (c): Promise<HttpResult> => {
      const why = authorize(c.principal, 'limits');
      if (why !== null) return fail(403, errors.forbidden(why));
      const b = SetTickBandBody.safeParse(c.body);
      if (!b.success) return fail(400, errors.invalid(b.error.issues[0]?.path ?? [], b.error.issues[0]?.message ?? 'invalid'));
      const r = c.engine.setTickBand(b.data.symbol, b.data.maxJump ?? undefined, c.principal.sub);
      if (!r.ok) return fail(400, { code: r.code, message: r.reason });
      await c.engine.durable(); // 200 only once the change is in the audit trail
      return { status: 200, body: r.value };
    },
  },
];
