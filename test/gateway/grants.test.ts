/** Grant arithmetic: containment (an API key within its creator's rights, a change lowering someone's) and intersection (a key clamped to its owner). */
import { describe, expect, it } from 'vitest';
import { grantsOf, grantsWithin, intersectGrants, normaliseGrants, withoutPrivileged } from '../../src/gateway/identity/grants.js';

describe('grants', () => {
  it('merges one role\'s grants, lets "*" absorb the rest and sorts roles and portfolios', () => {
    expect(normaliseGrants([{ role: 'admin', portfolios: ['*'] }, { role: 'trader', portfolios: ['P2'] }, { role: 'trader', portfolios: ['P1', 'P2'] }, { role: 'admin', portfolios: ['P9'] }]))
      .toEqual([{ role: 'trader', portfolios: ['P1', 'P2'] }, { role: 'admin', portfolios: ['*'] }]);
  });

  it('finds a grant within another only for the same role and covered portfolios', () => {
    const outer = grantsOf(['trader'], ['P1', 'P2']);
    expect(grantsWithin(grantsOf(['trader'], ['P1']), outer)).toBe(true);
    expect(grantsWithin(grantsOf(['trader'], ['P3']), outer)).toBe(false);
    expect(grantsWithin(grantsOf(['trader'], ['*']), outer)).toBe(false);
    expect(grantsWithin(grantsOf(['risk_manager'], ['P1']), outer)).toBe(false);
    expect(grantsWithin(grantsOf(['trader', 'risk_manager'], ['P1']), [...outer, { role: 'risk_manager', portfolios: ['*'] }])).toBe(true);
    // A role on no portfolio grants nothing, so it fits anywhere; it is how a new account starts.
    expect(grantsWithin(grantsOf(['feed'], []), outer)).toBe(true);
  });

  it('intersects per role, "*" meeting anything as that thing, and drops what is left empty', () => {
    expect(intersectGrants([{ role: 'trader', portfolios: ['*'] }, { role: 'feed', portfolios: ['P1'] }], [{ role: 'trader', portfolios: ['P2'] }]))
      .toEqual([{ role: 'trader', portfolios: ['P2'] }]);
    expect(intersectGrants(grantsOf(['trader'], ['P1', 'P2']), grantsOf(['trader'], ['P2', 'P3']))).toEqual([{ role: 'trader', portfolios: ['P2'] }]);
    expect(intersectGrants(grantsOf(['trader'], ['P1']), grantsOf(['trader'], ['P2']))).toEqual([]);
  });

  it('leaves out the privileged roles for a holder without a second factor', () => {
    expect(withoutPrivileged(grantsOf(['trader', 'risk_manager', 'compliance_officer', 'admin', 'feed'], ['P1'])).map((g) => g.role)).toEqual(['trader', 'feed']);
  });
});
