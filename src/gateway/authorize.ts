/**
 * Who may do what, in one place for every REST route and websocket message (docs/SECURITY.md lists
 * each route and message against this table, and test/gateway/security-table.test.ts proves it).
 *
 * A principal holds grants: one role on some portfolios. An action on a portfolio is allowed only when
 * ONE grant both has a role allowed the action and covers the portfolio: a risk manager on "*" who also
 * trades P1 trades P1 only, not every portfolio its risk-manager grant covers.
 *   feed               → tick (market data moves money, so no other role may send it)
 *   trader             → trade and read on its portfolios; cancels and replaces only orders it placed
 *   risk_manager       → read, limits and trading state, the market-data checks, and cancel ANY order of
 *                        a portfolio it covers (the kill switch); it does not replace orders
 *   compliance_officer → read, sanctions screening (which risk managers may run too), the KYC
 *                        cases of every customer (their personal data and documents: no other role),
 *                        and the AML alerts: their cases, the risk-metrics page and the live `alerts` channel;
 *                        GDPR export and erasure on behalf of a person (`gdpr`)
 *   admin              → user administration, operations (dead letters, health, metrics, creating portfolios)
 *                        and read; it does not trade and does not send ticks
 * Each check returns null when allowed, else the reason (the caller answers FORBIDDEN / 403).
 */
import type { Principal, Role } from './identity/ports.js';

export type Action =
  | 'tick' | 'trade' | 'read' | 'limits' | 'marketChecks' | 'cancel' | 'replace' | 'createPortfolio' | 'operate' | 'users' | 'screen'
  | 'kycReview' | 'alerts' | 'metrics' | 'reports' | 'riskReports' | 'gdpr';

export const ALLOWED: { readonly [A in Action]: readonly Role[] } = {
  tick: ['feed'],
  /** Submitting an order. */
  trade: ['trader'],
  read: ['trader', 'risk_manager', 'compliance_officer', 'admin'],
  /** Limits and trading state of a portfolio. */
  limits: ['risk_manager'],
  /** Held ticks and per-symbol tick bands. */
  marketChecks: ['risk_manager'],
  /** A trader its own orders; a risk manager any order of a portfolio it covers (orderChange says which). */
  cancel: ['trader', 'risk_manager'],
  /** A trader its own orders only. */
  replace: ['trader'],
  createPortfolio: ['admin'],
  /** Dead letters, GET /health, reloading the sanctions list. */
  operate: ['admin'],
  /** Accounts, roles, grants, sessions of other users. */
  users: ['admin'],
  /** GET /metrics (Prometheus), besides a scraper holding METRICS_TOKEN. */
  metrics: ['admin'],
  /** Screening a name against the sanctions list (POST /compliance/sanctions-check). */
  screen: ['compliance_officer', 'risk_manager'],
  /**
   * Reading any customer's KYC case, listing cases, reading their documents and deciding them
   * (/kyc/{userId}…, GET /kyc). Not admin: administering accounts is not a reason to read passports
   * (admins manage roles, so one who must review grants themself compliance_officer, audited).
   * A customer reads their own case without this action.
   */
  kycReview: ['compliance_officer'],
  /**
   * AML alerts, their cases and GET /compliance/risk-metrics, read and worked, and the websocket
   * channel `alerts`. Compliance officers only: an alert is a suspicion about a customer, and telling
   * the business (a risk manager sits in it) that one is being looked into, or was reported, is the
   * tipping-off the AML rules forbid; even the page's counts by rule tell that much.
   */
  alerts: ['compliance_officer'],
  /**
   * The regulatory reports that name customers or their suspicions: RTS 22 transactions, large
   * positions with the holder's identity, AML alerts and cases (tipping-off, as above), the
   * privileged-change audit (src/gateway/report-routes.ts).
   */
  reports: ['compliance_officer'],
  /** The daily risk and capital reports: a risk manager's own figures, and a compliance officer's to file. */
  riskReports: ['risk_manager', 'compliance_officer'],
  /**
   * GDPR on behalf of a person (POST /gdpr/export, POST /gdpr/erasure): a compliance officer, audited.
   * A person exports their own data and records their consents without it (any signed-in principal).
   */
  gdpr: ['compliance_officer'],
};

/** True when some grant of `p` has a role allowed `action` (on whatever portfolios). */
export function hasRole(p: Principal, action: Action): boolean {
  const allowed = ALLOWED[action];
  return p.grants.some((g) => allowed.includes(g.role));
}

/** True when one grant both allows `action` and covers `portfolioId`. */
export function covers(p: Principal, action: Action, portfolioId: string): boolean {
  const allowed = ALLOWED[action];
  return p.grants.some((g) => allowed.includes(g.role) && (g.portfolios === null || g.portfolios.has(portfolioId)));
}

/** The portfolios `p` may do `action` on: the union of the grants allowing it; null = every portfolio. */
export function scopeOf(p: Principal, action: Action): ReadonlySet<string> | null {
  const allowed = ALLOWED[action];
  const ids = new Set<string>();
  for (const g of p.grants) {
    if (!allowed.includes(g.role)) continue;
    if (g.portfolios === null) return null;
    for (const id of g.portfolios) ids.add(id);
  }
  return ids;
}

/** null when `p` may do `action` (on `portfolioId`, when the action concerns one), else why not. */
export function authorize(p: Principal, action: Action, portfolioId?: string): string | null {
  if (!hasRole(p, action)) return `roles [${[...p.roles].join(', ')}] may not ${action} (allowed: ${ALLOWED[action].join(', ')})`;
  if (portfolioId !== undefined && !covers(p, action, portfolioId)) return `no grant allowing ${action} covers portfolio ${portfolioId}`;
  return null;
}

/**
 * Cancelling or replacing one order: a trader's grant on its portfolio and the order placed by this
 * same subject, or (cancel only) a risk manager's grant on its portfolio.
 */
export function authorizeOrderChange(p: Principal, change: 'cancel' | 'replace', order: { readonly portfolioId: string; readonly submittedBy: string }): string | null {
  const refused = authorize(p, change, order.portfolioId);
  if (refused !== null) return refused;
  const killSwitch = change === 'cancel' && p.grants.some((g) => g.role === 'risk_manager' && (g.portfolios === null || g.portfolios.has(order.portfolioId)));
  if (killSwitch) return null;
  if (order.submittedBy === p.sub) return null;
  return `a trader may ${change} only the orders it placed; this one was placed by someone else`;
}
