/**
 * The compliance officer's REST face of AML monitoring (action `alerts`: compliance_officer only,
 * authorize.ts says why):
 *   GET  /compliance/alerts?state=&severity=&rule=&customer=&limit=&after=
 *        → {alerts: [alert], next}: newest first (by id); `after` = a page's `next`, for the older ones
 *   GET  /compliance/alerts/{id}            → {alert, case: {state, assignee, openedMs, updatedMs, history, notes}}
 *   POST /compliance/alerts/{id}/transition {to, reason}       → {case}
 *   POST /compliance/alerts/{id}/notes      {text}             → {case}
 *   POST /compliance/alerts/{id}/assign     {assignee, reason?} → {case}
 *   GET  /compliance/risk-metrics           → the numbers of the compliance page (riskMetrics below)
 * A case change is the pure state machine of src/engine/compliance/aml/alert-case.ts applied by the
 * case store under a row lock; a refused one is 409 (CASE_TRANSITION_NOT_ALLOWED, CASE_CLOSED) or
 * 400 with its code, and writes nothing. Each accepted change is written to the case's own history
 * (with the change, atomically) and then to the audit trail with the officer as actor; a note's text
 * is not copied to the audit trail (it may hold personal data, and the trail outlives an erasure).
 * Without a database (PERSISTENCE=memory) no alert is ever raised: 503 AML_UNAVAILABLE.
 */
import { z } from 'zod';
import { type AlertCase, CASE_TEXT_MAX_CHARS, type CaseResult, type CaseState, addNote, assign, transition } from '../engine/compliance/aml/alert-case.js';
import type { CaseErrorCode } from '../engine/compliance/aml/case-errors.js';
import type { KycState } from '../engine/compliance/kyc/review-workflow.js';
import type { RiskLevel } from '../engine/compliance/kyc/risk-score.js';
import { ALERT_ID, ALERT_SEVERITIES, type AlertMetrics, type AmlAlertQueries } from '../persistence/aml-alert-queries.js';
import type { AmlCaseStore } from '../persistence/aml-case-store.js';
import { errors } from './errors.js';
import { type HttpResult, fail } from './http-util.js';
import type { AuditSink } from './identity/ports.js';
import { FORBIDDEN, type RouteDoc } from './route-doc.js';
import { type RouteContext, type RouteSpec, denied, parseBody, parseQuery } from './route-spec.js';

/** What KycService.metrics() answers (src/persistence/kyc-service.ts). */
export interface KycMetrics {
  readonly byState: Readonly<Record<KycState, number>>;
  readonly byRiskLevel: Readonly<Record<RiskLevel | 'unscored', number>>;
}

export interface AmlAlertRouteDeps {
  /** The alerts and their cases; absent without a database (PERSISTENCE=memory). */
  readonly store?: { readonly alerts: AmlAlertQueries; readonly cases: AmlCaseStore };
  readonly audit: AuditSink;
  /** The KYC counts of the page; absent: its KYC lines are null. */
  readonly kycMetrics?: () => Promise<KycMetrics>;
  /** The engine's clock, epoch ms. */
  readonly clock?: () => number;
}

/** What GET /compliance/risk-metrics answers. */
export interface RiskMetrics extends AlertMetrics {
  readonly asOfMs: number;
  /** Customers by KYC risk level (`unscored`: no assessment yet); null when KYC is not wired. */
  readonly customersByRiskLevel: KycMetrics['byRiskLevel'] | null;
  /** KYC cases by state, and `waiting`: those an officer must act on (submitted, in_review); null when KYC is not wired. */
  readonly kycBacklog: (KycMetrics['byState'] & { readonly waiting: number }) | null;
}

export const ALERT_PAGE = Object.freeze({ default: 100, max: 500 });

const CASE_STATES = ['open', 'investigating', 'escalated', 'closed_no_action', 'reported'] as const satisfies readonly CaseState[];
const Text = z.string().trim().min(1).max(CASE_TEXT_MAX_CHARS);
/** A user id as the identity store makes them, or an operator's name: short, printable. */
const Who = z.string().trim().min(1).max(128).regex(/^[\p{L}\p{N}._@:-]+$/u, 'letters, digits and . _ @ : - only');

export const AlertListQuery = z.strictObject({
  state: z.enum(CASE_STATES).optional(),
  severity: z.enum(ALERT_SEVERITIES).optional(),
  /** A reason code (docs/AML-RULES.md), or one of the screening rules. */
  rule: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a rule code such as WASH_TRADE').optional(),
  customer: Who.optional(),
  limit: z.coerce.number().int().min(1).max(ALERT_PAGE.max).default(ALERT_PAGE.default),
  after: z.string().regex(ALERT_ID, 'the `next` of an earlier page').optional(),
});
export const TransitionBody = z.strictObject({ to: z.enum(CASE_STATES), reason: Text });
export const NoteBody = z.strictObject({ text: Text });
export const AssignBody = z.strictObject({ assignee: Who, reason: Text.optional() });

const unavailable = (): HttpResult => fail(503, { code: 'AML_UNAVAILABLE', message: 'no AML alerts without a database (PERSISTENCE=memory): the AML queue does not run' });
const noAlert = (id: string): HttpResult => fail(404, errors.notFound(`AML alert ${id.slice(0, 64)}`));

/** A refused change: the state machine's refusals are conflicts with the case as it is; the rest are the request's fault. */
const CASE_STATUS: Readonly<Record<CaseErrorCode, number>> = {
  CASE_TRANSITION_NOT_ALLOWED: 409, CASE_CLOSED: 409,
  CASE_ACTOR_REQUIRED: 400, CASE_REASON_REQUIRED: 400, CASE_NOTE_REQUIRED: 400, CASE_ASSIGNEE_REQUIRED: 400, CASE_TEXT_TOO_LONG: 400,
};

function caseOut(c: AlertCase) {
  return { state: c.state, assignee: c.assignee ?? null, openedMs: c.openedMs, updatedMs: c.updatedMs, history: c.history, notes: c.notes };
}

export function amlAlertRoutes(deps: AmlAlertRouteDeps): RouteSpec[] {
  const now = deps.clock ?? Date.now;

  /** One case change by the caller: authorised, validated, applied under the store's lock, audited. */
  function caseRoute<B>(suffix: string, schema: z.ZodType<B>, doc: Omit<RouteDoc, 'body' | 'tags' | 'responses'>, action: string, change: (c: AlertCase, b: B, actor: string, atMs: number) => CaseResult, audited: (b: B, after: AlertCase) => object): RouteSpec {
    return {
      method: 'post', pattern: `/compliance/alerts/:id/${suffix}`, paramCount: 1, hasBody: true,
      doc: {
        ...doc, tags: ['aml'], body: schema,
        responses: { 200: { description: '{case: {state, assignee, openedMs, updatedMs, history, notes}}' } },
        errors: { ...doc.errors, 400: ['INVALID_MESSAGE', ...(doc.errors?.[400] ?? [])], ...FORBIDDEN, 404: ['NOT_FOUND'], 503: ['AML_UNAVAILABLE'] },
      },
      async handle(c: RouteContext) {
        const d = denied(c.principal, 'alerts');
        if (d) return d;
        if (deps.store === undefined) return unavailable();
        const b = parseBody(schema, c.body);
        if (!b.ok) return b.result;
        const id = c.req.params[0] ?? '';
        const actor = c.principal.sub;
        let before: AlertCase | undefined;
        const r = await deps.store.cases.change(id, (kase) => {
          before = kase;
          return change(kase, b.value, actor, now());
        });
        if (r === undefined) return noAlert(id);
        if (!r.ok) return fail(CASE_STATUS[r.code], { code: r.code, message: r.message });
        await deps.audit({
          actor, action: `aml.case.${action}`, entityType: 'aml_alert', entityId: id,
          before: before === undefined ? null : { state: before.state, assignee: before.assignee ?? null },
          after: { state: r.value.state, assignee: r.value.assignee ?? null, ...audited(b.value, r.value) },
        });
        return { status: 200, body: { case: caseOut(r.value) } };
      },
    };
  }

  return [
    {
      method: 'get', pattern: '/compliance/alerts', paramCount: 0, hasBody: false,
      doc: {
        summary: 'AML alerts, newest first, filtered, a page at a time', tags: ['aml'], query: AlertListQuery,
        responses: { 200: { description: '{alerts: [alert], next}: give `next` as `after` for the older ones (null on the last page)' } },
        errors: { 400: ['BAD_QUERY'], ...FORBIDDEN, 503: ['AML_UNAVAILABLE'] },
      },
      async handle(c) {
        const d = denied(c.principal, 'alerts');
        if (d) return d;
        if (deps.store === undefined) return unavailable();
        const q = parseQuery(AlertListQuery, c.req.query);
        if (!q.ok) return q.result;
        const { state, severity, rule, customer, limit, after } = q.value;
        const page = await deps.store.alerts.list({
          limit, ...(state ? { state } : {}), ...(severity ? { severity } : {}), ...(rule ? { rule } : {}), ...(customer ? { customerId: customer } : {}), ...(after ? { beforeId: after } : {}),
        });
        return { status: 200, body: page };
      },
    },
    {
      method: 'get', pattern: '/compliance/alerts/:id', paramCount: 1, hasBody: false,
      doc: {
        summary: 'One AML alert and its case', tags: ['aml'],
        responses: { 200: { description: '{alert, case: {state, assignee, openedMs, updatedMs, history, notes}}' } },
        errors: { ...FORBIDDEN, 404: ['NOT_FOUND'], 503: ['AML_UNAVAILABLE'] },
      },
      async handle(c) {
        const d = denied(c.principal, 'alerts');
        if (d) return d;
        if (deps.store === undefined) return unavailable();
        const id = c.req.params[0] ?? '';
        const [alert, kase] = await Promise.all([deps.store.alerts.get(id), deps.store.cases.caseOf(id)]);
        if (alert === undefined || kase === undefined) return noAlert(id);
        return { status: 200, body: { alert, case: caseOut(kase) } };
      },
    },
    caseRoute('transition', TransitionBody, {
      summary: 'Move an alert\'s case (open → investigating → escalated | closed_no_action | reported)', bodyExample: { to: 'investigating', reason: 'looking into it' },
      errors: { 400: ['CASE_REASON_REQUIRED', 'CASE_TEXT_TOO_LONG'], 409: ['CASE_TRANSITION_NOT_ALLOWED', 'CASE_CLOSED'] },
    }, 'transition', (kase, b, actor, atMs) => transition(kase, b.to, actor, b.reason, atMs), (b) => ({ reason: b.reason })),
    caseRoute('notes', NoteBody, {
      summary: 'Add a note to an alert\'s case (a closed case too)', bodyExample: { text: 'called the customer' }, errors: { 400: ['CASE_NOTE_REQUIRED', 'CASE_TEXT_TOO_LONG'] },
    }, 'note', (kase, b, actor, atMs) => addNote(kase, actor, b.text, atMs), (_b, after) => ({ notes: after.notes.length })),
    caseRoute('assign', AssignBody, {
      summary: 'Assign an alert\'s case to an officer', bodyExample: { assignee: 'carl', reason: 'on duty' },
      errors: { 400: ['CASE_ASSIGNEE_REQUIRED', 'CASE_TEXT_TOO_LONG'], 409: ['CASE_CLOSED'] },
    }, 'assign', (kase, b, actor, atMs) => assign(kase, b.assignee, actor, b.reason ?? `assigned by ${actor}`, atMs), (b) => ({ reason: b.reason ?? null })),
    {
      method: 'get', pattern: '/compliance/risk-metrics', paramCount: 0, hasBody: false,
      doc: {
        summary: 'The compliance page\'s numbers: open alerts by severity and age, by rule, screening hits, KYC backlog', tags: ['aml'],
        responses: { 200: { description: '{asOfMs, openBySeverity, openByAge, byRule, screeningHits, customersByRiskLevel, kycBacklog}' } },
        errors: { ...FORBIDDEN, 503: ['AML_UNAVAILABLE'] },
      },
      async handle(c) {
        const d = denied(c.principal, 'alerts');
        if (d) return d;
        if (deps.store === undefined) return unavailable();
        const asOfMs = now();
        const [alerts, kyc] = await Promise.all([deps.store.alerts.metrics(asOfMs), deps.kycMetrics?.()]);
        const body: RiskMetrics = {
          asOfMs, ...alerts,
          customersByRiskLevel: kyc?.byRiskLevel ?? null,
          kycBacklog: kyc ? { ...kyc.byState, waiting: kyc.byState.submitted + kyc.byState.in_review } : null,
        };
        return { status: 200, body };
      },
    },
  ];
}
