/**
 * Arithmetic on grants (role, portfolios): the one form stores keep them in, whether one set of
 * grants stays within another (an API key within its creator's, a change lowering someone's
 * rights), their intersection (a key clamped to its owner's current rights) and the principal the
 * gateway checks.
 */
import { ALL_PORTFOLIOS, type CheckedGrant, type Grant, PRIVILEGED_ROLES, type Principal, ROLES, type Role } from './ports.js';

const roleOrder = (r: Role): number => ROLES.indexOf(r);

/** One grant per role (portfolios merged; "*" absorbs the rest), in ROLES order, portfolios sorted. */
export function normaliseGrants(grants: readonly Grant[]): Grant[] {
  const byRole = new Map<Role, Set<string>>();
  for (const g of grants) {
    const set = byRole.get(g.role) ?? new Set<string>();
    for (const p of g.portfolios) set.add(p);
    byRole.set(g.role, set);
  }
  return [...byRole.entries()]
    .sort(([a], [b]) => roleOrder(a) - roleOrder(b))
    .map(([role, set]) => ({ role, portfolios: set.has(ALL_PORTFOLIOS) ? [ALL_PORTFOLIOS] : [...set].sort() }));
}

/** Each role on the same portfolios (the API-key request and the development CLI's shape). */
export function grantsOf(roles: readonly Role[], portfolios: readonly string[]): Grant[] {
  return normaliseGrants(roles.map((role) => ({ role, portfolios })));
}

/** True when every portfolio of every grant in `inner` is granted with the same role in `outer`. */
export function grantsWithin(inner: readonly Grant[], outer: readonly Grant[]): boolean {
  return inner.every((g) => {
    const o = outer.find((x) => x.role === g.role);
    if (!o) return g.portfolios.length === 0;
    if (o.portfolios.includes(ALL_PORTFOLIOS)) return true;
    return g.portfolios.every((p) => p !== ALL_PORTFOLIOS && o.portfolios.includes(p));
  });
}

/** What both allow: per role, the portfolios in both ("*" meets anything as that thing). */
export function intersectGrants(a: readonly Grant[], b: readonly Grant[]): Grant[] {
  const out: Grant[] = [];
  for (const g of normaliseGrants(a)) {
    const o = b.find((x) => x.role === g.role);
    if (!o) continue;
    const gAll = g.portfolios.includes(ALL_PORTFOLIOS);
    const oAll = o.portfolios.includes(ALL_PORTFOLIOS);
    const portfolios = gAll ? [...o.portfolios] : oAll ? [...g.portfolios] : g.portfolios.filter((p) => o.portfolios.includes(p));
    if (portfolios.length > 0) out.push({ role: g.role, portfolios });
  }
  return normaliseGrants(out);
}

export function isPrivileged(role: Role): boolean {
  return PRIVILEGED_ROLES.includes(role);
}

/** The grants a holder without a second factor may carry. */
export function withoutPrivileged(grants: readonly Grant[]): Grant[] {
  return grants.filter((g) => !isPrivileged(g.role));
}

export function checkedGrants(grants: readonly Grant[]): CheckedGrant[] {
  return grants.map((g) => ({ role: g.role, portfolios: g.portfolios.includes(ALL_PORTFOLIOS) ? null : new Set(g.portfolios) }));
}

/** The grants a principal carries, back in stored form. */
export function grantsOfPrincipal(p: Principal): Grant[] {
  return normaliseGrants(p.grants.map((g) => ({ role: g.role, portfolios: g.portfolios === null ? [ALL_PORTFOLIOS] : [...g.portfolios] })));
}
