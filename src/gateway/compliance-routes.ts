/**
 * The compliance officer's REST face of sanctions screening:
 *   POST /compliance/sanctions-check {name, dateOfBirth?, country?, type?: "individual"|"entity"}
 *     → {listVersion, decision: "clear"|"review"|"block", matches: [{entNum, name, matchedName, score,
 *        programs, type, explanation}]}
 *   GET  /compliance/sanctions-list          → {version}: the list in force (same roles)
 *   POST /compliance/sanctions-list/reload   → {previous, version}: reads the list folder again and puts
 *     it in force without a restart (admin, action `operate`); 503 SANCTIONS_LIST_UNREADABLE when the
 *     new list cannot be read, the old one staying in force. A reload that put a list in force is
 *     audited (`sanctions_list.reloaded`, before/after the versions) when an audit sink is given:
 *     which list screens customers is a control, and who changed it when belongs in the trail.
 * Roles compliance_officer and risk_manager (authorize.ts, action `screen`). The screening itself is
 * pure (src/engine/compliance/sanctions); the list in force, and its reload, belong to whoever
 * constructs these routes (serve: src/workers/sanctions/sanctions-thread.ts; the CLI and tests:
 * SanctionsScreener of src/persistence/sanctions-list.ts).
 */
import { z } from 'zod';
import { freeText } from './text-schemas.js';
import { dobInterval } from '../engine/compliance/sanctions/evidence.js';
import { normalizeName } from '../engine/compliance/sanctions/normalize-name.js';
import type { ListVersion, ScreeningQuery, ScreeningResult } from '../engine/compliance/sanctions/index.js';
import { fail } from './http-util.js';
import type { AuditSink } from './identity/ports.js';
import { FORBIDDEN } from './route-doc.js';
import { type RouteSpec, denied, parseBody } from './route-spec.js';

/** What the routes need of the screening: the list in force screens one query, and is reloaded. */
export interface SanctionsScreening {
  /** In this thread (the CLI, tests) or in the sanctions thread (serve: src/workers/sanctions). */
  screen(q: ScreeningQuery): ScreeningResult | Promise<ScreeningResult>;
  readonly version: ListVersion;
  /** Rejects with an error whose `code` is SANCTIONS_LIST_UNREADABLE when the list cannot be read. */
  reload(): Promise<ListVersion>;
}

export const SanctionsCheckBody = z.strictObject({
  // A name in a script the transliteration does not read (Chinese, Hebrew …) has no token to compare:
  // refused, never answered "clear".
  name: freeText(300).trim().min(1).refine((v) => normalizeName(v).tokens.length > 0, 'no letter or digit in a script the screening reads (Latin, Cyrillic, Greek, Arabic)'),
  dateOfBirth: z.string().refine((v) => dobInterval(v) !== undefined, 'a date YYYY-MM-DD, a month YYYY-MM or a year YYYY').optional(),
  country: freeText(100).trim().min(1).optional(),
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

export function complianceRoutes(screening: SanctionsScreening, audit?: AuditSink): RouteSpec[] {
  return [
    {
      method: 'post', pattern: '/compliance/sanctions-check', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Screen a name against the sanctions (and PEP) lists, with the matches explained', tags: ['compliance'], body: SanctionsCheckBody,
        bodyExample: { name: 'Usama bin Ladin', type: 'individual' },
        responses: { 200: { description: '{listVersion, decision: clear | review | block, matches: [{entNum, name, matchedName, score, programs, type, explanation}]}' } },
        errors: { 400: ['INVALID_MESSAGE'], ...FORBIDDEN },
      },
      async handle(c) {
        const d = denied(c.principal, 'screen');
        if (d) return d;
        const b = parseBody(SanctionsCheckBody, c.body);
        if (!b.ok) return b.result;
        return { status: 200, body: await screening.screen(screeningQuery(b.value)) };
      },
    },
    {
      method: 'get', pattern: '/compliance/sanctions-list', paramCount: 0, hasBody: false,
      doc: { summary: 'The sanctions list in force', tags: ['compliance'], responses: { 200: { description: '{version}' } }, errors: FORBIDDEN },
      handle: (c) => denied(c.principal, 'screen') ?? { status: 200, body: { version: screening.version } },
    },
    {
      method: 'post', pattern: '/compliance/sanctions-list/reload', paramCount: 0, hasBody: false,
      doc: {
        summary: 'Read the list folder again and put it in force (admins)', tags: ['compliance'],
        responses: { 200: { description: '{previous, version}' } }, errors: { ...FORBIDDEN, 503: ['SANCTIONS_LIST_UNREADABLE'] },
      },
      async handle(c) {
        const d = denied(c.principal, 'operate');
        if (d) return d;
        const previous = screening.version;
        let version: ListVersion;
        try {
          version = await screening.reload();
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          if (code !== 'SANCTIONS_LIST_UNREADABLE') throw e;
          return fail(503, { code, message: `${(e as Error).message}; the list in force stays ${previous.sha256}` });
        }
        await audit?.({ actor: c.principal.sub, action: 'sanctions_list.reloaded', entityType: 'sanctions_list', entityId: 'sdn', before: previous, after: version });
        return { status: 200, body: { previous, version } };
      },
    },
  ];
}
