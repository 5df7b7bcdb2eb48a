/**
 * The AML report of a period: the alerts the rules raised in it, counted by rule and severity, each
 * with its case as it stood at the end of the period (state, outcome, the changes made to it: who,
 * when, from → to). Cut at the end of the period so that the report of a past period is a fixed
 * fact: case changes are append-only, so regenerating it later gives the same bytes.
 *
 * Left out, as personal data or free text the report does not need: the alerts' evidence (figures,
 * fills and orders of the pattern), the reasons given for each change and the notes' text (their
 * number is kept: the examiner knows there is a written record, and reads it in the case itself).
 * The customer is named by their user id, not by name.
 */
import type { CaseState } from '../../compliance/aml/alert-case.js';
import { csvLines } from '../csv-lines.js';

export type AmlSeverity = 'low' | 'medium' | 'high';
export type AmlOutcome = 'open' | 'closed_no_action' | 'reported';

/** One change of a case, without its reason (free text). `from === to` is an assignment. */
export interface CaseTransition {
  readonly atMs: number;
  readonly actor: string;
  readonly from: CaseState;
  readonly to: CaseState;
}

export interface AmlAlertFacts {
  /** aml_alerts.id as text. */
  readonly alertId: string;
  readonly rule: string;
  readonly severity: AmlSeverity;
  readonly createdMs: number;
  readonly fillId: string;
  readonly portfolioId: string;
  /** Absent on alerts raised before customers were recorded (migration 0014). */
  readonly customerId: string | null;
  readonly notional: number;
  /** The changes made before the end of the period, in order. */
  readonly transitions: readonly CaseTransition[];
  /** Notes written before the end of the period. */
  readonly noteCount: number;
  /**
   * The stored state when the case has no recorded change at all (an alert closed before case
   * histories existed, migration 0014); null otherwise, the state then follows from the transitions.
   */
  readonly legacyState: CaseState | null;
}

export interface AmlReportInput {
  readonly from: string;
  readonly to: string;
  readonly portfolioId: string | null;
  /** The first instant after the period: cases are as of it. */
  readonly endMs: number;
  readonly alerts: readonly AmlAlertFacts[];
}

const SEVERITIES: readonly AmlSeverity[] = ['low', 'medium', 'high'];

export function stateAtEnd(a: AmlAlertFacts): CaseState {
  return a.transitions.at(-1)?.to ?? a.legacyState ?? 'open';
}

export function outcomeOf(state: CaseState): AmlOutcome {
  return state === 'closed_no_action' || state === 'reported' ? state : 'open';
}

export interface RuleSeverityCount {
  readonly rule: string;
  readonly severity: AmlSeverity;
  readonly alerts: number;
  readonly open: number;
  readonly closedNoAction: number;
  readonly reported: number;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Numeric order of identity ids held as text. */
const compareIds = (a: string, b: string): number => a.length - b.length || compare(a, b);

function ordered(alerts: readonly AmlAlertFacts[]): AmlAlertFacts[] {
  return [...alerts].sort((a, b) => a.createdMs - b.createdMs || compareIds(a.alertId, b.alertId));
}

/** Every (rule, severity) with at least one alert, by rule then severity low → high, with their outcomes. */
export function countsByRuleSeverity(alerts: readonly AmlAlertFacts[]): RuleSeverityCount[] {
  const m = new Map<string, { rule: string; severity: AmlSeverity; alerts: number; open: number; closedNoAction: number; reported: number }>();
  for (const a of alerts) {
    const key = `${a.rule}\u0000${a.severity}`;
    let c = m.get(key);
    if (!c) m.set(key, (c = { rule: a.rule, severity: a.severity, alerts: 0, open: 0, closedNoAction: 0, reported: 0 }));
    c.alerts++;
    const o = outcomeOf(stateAtEnd(a));
    if (o === 'open') c.open++;
    else if (o === 'closed_no_action') c.closedNoAction++;
    else c.reported++;
  }
  return [...m.values()].sort((a, b) => compare(a.rule, b.rule) || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}

const iso = (ms: number): string => new Date(ms).toISOString();

function alertJson(a: AmlAlertFacts) {
  const state = stateAtEnd(a);
  return {
    alertId: a.alertId, rule: a.rule, severity: a.severity, createdAt: iso(a.createdMs),
    customerId: a.customerId, portfolioId: a.portfolioId, fillId: a.fillId, notional: a.notional,
    state, outcome: outcomeOf(state), notes: a.noteCount,
    transitions: a.transitions.map((t) => ({ at: iso(t.atMs), actor: t.actor, from: t.from, to: t.to, kind: t.from === t.to ? 'assignment' : 'state' })),
  };
}

export function renderAmlJson(input: AmlReportInput): string {
  const alerts = ordered(input.alerts);
  const counts = countsByRuleSeverity(alerts);
  const sum = (k: 'alerts' | 'open' | 'closedNoAction' | 'reported') => counts.reduce((s, c) => s + c[k], 0);
  return `${JSON.stringify({
    report: 'aml', from: input.from, to: input.to, portfolioId: input.portfolioId, casesAsOf: iso(input.endMs),
    totals: { alerts: sum('alerts'), open: sum('open'), closedNoAction: sum('closedNoAction'), reported: sum('reported') },
    byRuleSeverity: counts,
    alerts: alerts.map(alertJson),
  }, null, 2)}\n`;
}

export const AML_CSV_HEADER = [
  'alert_id', 'created_at', 'rule', 'severity', 'customer_id', 'portfolio_id', 'fill_id', 'notional', 'state', 'outcome', 'notes', 'transitions',
] as const;

/** One line per alert; its transitions in one field, `at actor from>to` joined by ` | `. */
export function renderAmlCsv(input: AmlReportInput): string {
  return csvLines(AML_CSV_HEADER, ordered(input.alerts).map((a) => {
    const j = alertJson(a);
    return [j.alertId, j.createdAt, j.rule, j.severity, j.customerId, j.portfolioId, j.fillId, j.notional, j.state, j.outcome, j.notes,
      j.transitions.map((t) => `${t.at} ${t.actor} ${t.from}>${t.to}`).join(' | ')];
  }));
}
