/**
 * The compliance officer's REST face of sanctions screening:
 *   POST /compliance/sanctions-check {name, dateOfBirth?, country?, type?: "individual"|"entity"}
 *     → {listVersion, decision: "clear"|"review"|"block", matches: [{entNum, name, matchedName, score,
 *        programs, type, explanation}]}
 * Roles compliance_officer and risk_manager (authorize.ts, action `screen`). The screening itself is
 * pure and synchronous (src/engine/compliance/sanctions); the list in force, and its reload, belong
 * to whoever constructs these routes (src/persistence/sanctions-list.ts, SanctionsScreener).
 */
import { z } from 'zod';
import { dobInterval } from '../engine/compliance/sanctions/evidence.js';
import type { ScreeningQuery, ScreeningResult } from '../engine/compliance/sanctions/index.js';
import { type RouteSpec, denied, parseBody } from './route-spec.js';

/** What the routes need of the screening: the list in force screens one query. */
export interface SanctionsScreening {
  screen(q: ScreeningQuery): ScreeningResult;
}

export const SanctionsCheckBody = z.strictObject({
  name: z.string().trim().min(1).max(300),
  dateOfBirth: z.string().refine((v) => dobInterval(v) !== undefined, 'a date YYYY-MM-DD, a month YYYY-MM or a year YYYY').optional(),
  country: z.string().trim().min(1).max(100).optional(),
  type: z.enum(['individual', 'entity']).optional(),
});
export type SanctionsCheckBody = z.infer<typeof SanctionsCheckBody>;

/** A checked body as the screening's query (absent fields left out, not undefined). */
export function screeningQuery(b: SanctionsCheckBody): ScreeningQuery {
  return {
    name: b.name,
    ...(b.dateOfBirth !== undefined ? { dateOfBirth: b.dateOfBirth } : {}),
    ...(b.country !== undefined ? { country: b.country } : {}),
    ...(b.type !== undefined ? { type: b.type } : {}),
  };
}

export function complianceRoutes(screening: SanctionsScreening): RouteSpec[] {
  return [
    {
      method: 'post', pattern: '/compliance/sanctions-check', paramCount: 0, hasBody: true,
      handle(c) {
        const d = denied(c.principal, 'screen');
        if (d) return d;
        const b = parseBody(SanctionsCheckBody, c.body);
        if (!b.ok) return b.result;
        return { status: 200, body: screening.screen(screeningQuery(b.value)) };
      },
    },
  ];
}
