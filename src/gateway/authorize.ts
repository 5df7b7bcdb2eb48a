/**
 * Role and portfolio checks, one table for websocket messages and REST routes.
 *   feed               → tick (only the feed: market data moves money, so no other role may send it)
 *   trader             → trade (order/cancel/replace) and read, on its portfolios
 *   risk_manager       → read, set limits and trading state, on its portfolios (usually "*"), and the
 *                        market-data checks (held ticks, tick bands)
 *   compliance_officer → read, on its portfolios
 *   admin              → everything but tick, every portfolio, and the operator routes (dead letters)
 * Returns null when allowed, else the reason (the caller answers FORBIDDEN).
 */
import type { Principal, Role } from './auth.js';

export type Action = 'tick' | 'trade' | 'read' | 'limits' | 'createPortfolio' | 'operate';

const ALLOWED: { readonly [A in Action]: readonly Role[] } = {
  tick: ['feed'],
  trade: ['trader', 'admin'],
  read: ['trader', 'risk_manager', 'compliance_officer', 'admin'],
  limits: ['risk_manager', 'admin'],
  createPortfolio: ['admin'],
  /** Operator routes: dead letters. */
  operate: ['admin'],
};

export function hasRole(p: Principal, action: Action): boolean {
  for (const role of ALLOWED[action]) if (p.roles.has(role)) return true;
  return false;
}

/** May `p` see or act on this portfolio at all (independent of the action)? */
export function coversPortfolio(p: Principal, portfolioId: string): boolean {
  return p.portfolios === null || p.roles.has('admin') || p.portfolios.has(portfolioId);
}

/** True when the token covers every portfolio (for wildcard subscriptions and unfiltered lists). */
export function coversAll(p: Principal): boolean {
  return p.portfolios === null || p.roles.has('admin');
}

export function authorize(p: Principal, action: Action, portfolioId?: string): string | null {
  if (!hasRole(p, action)) return `roles [${[...p.roles].join(', ')}] may not ${action}`;
  if (portfolioId !== undefined && !coversPortfolio(p, portfolioId)) return `token does not cover portfolio ${portfolioId}`;
  return null;
}
