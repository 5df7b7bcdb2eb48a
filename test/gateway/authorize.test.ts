/** The one table of who may do what (src/gateway/authorize.ts), grant by grant. */
import { describe, expect, it } from 'vitest';
import { authorize, authorizeOrderChange, scopeOf } from '../../src/gateway/authorize.js';
import type { Grant } from '../../src/gateway/identity/ports.js';
import { principalOf } from '../../src/gateway/tokens.js';

const who = (sub: string, ...grants: Grant[]) => principalOf({ sub, grants, expMs: Number.MAX_SAFE_INTEGER, amr: ['dev'], via: 'token' });

describe('authorize', () => {
  it('allows an action on a portfolio only through one grant that has both the role and the portfolio', () => {
    // Today's bug, fixed: a risk manager on every portfolio who also trades P1 trades P1 only.
    const p = who('rm', { role: 'risk_manager', portfolios: ['*'] }, { role: 'trader', portfolios: ['P1'] });
    expect(authorize(p, 'trade', 'P1')).toBeNull();
    expect(authorize(p, 'trade', 'P2')).toMatch(/no grant allowing trade covers portfolio P2/);
    expect(authorize(p, 'limits', 'P2')).toBeNull();
    expect(authorize(p, 'read', 'P2')).toBeNull();
  });

  it('gives feed ticks only, compliance read only, risk managers read, limits and market checks, admin operations and read', () => {
    expect(authorize(who('f', { role: 'feed', portfolios: [] }), 'tick')).toBeNull();
    expect(authorize(who('f', { role: 'feed', portfolios: ['*'] }), 'read', 'P1')).toMatch(/may not read/);
    const compliance = who('c', { role: 'compliance_officer', portfolios: ['*'] });
    expect(authorize(compliance, 'read', 'P9')).toBeNull();
    expect(authorize(compliance, 'trade', 'P9')).toMatch(/may not trade/);
    const rm = who('r', { role: 'risk_manager', portfolios: ['P1'] });
    expect(authorize(rm, 'limits', 'P1')).toBeNull();
    expect(authorize(rm, 'limits', 'P9')).toMatch(/covers portfolio P9/);
    expect(authorize(rm, 'marketChecks')).toBeNull();
    expect(authorize(rm, 'trade', 'P1')).toMatch(/may not trade/);
    const admin = who('a', { role: 'admin', portfolios: ['*'] });
    for (const a of ['read', 'createPortfolio', 'operate', 'users'] as const) expect(authorize(admin, a, a === 'operate' || a === 'users' ? undefined : 'P9')).toBeNull();
    for (const a of ['trade', 'tick', 'limits', 'marketChecks', 'cancel', 'replace'] as const) expect(authorize(admin, a, 'P9')).toMatch(/^roles \[admin\] may not/);
  });

  it('lets a trader cancel and replace only its own orders, and a risk manager cancel (not replace) any order it covers', () => {
    const mine = { portfolioId: 'P1', submittedBy: 'tom' };
    const theirs = { portfolioId: 'P1', submittedBy: 'ann' };
    const tom = who('tom', { role: 'trader', portfolios: ['P1'] });
    expect(authorizeOrderChange(tom, 'cancel', mine)).toBeNull();
    expect(authorizeOrderChange(tom, 'replace', mine)).toBeNull();
    expect(authorizeOrderChange(tom, 'cancel', theirs)).toMatch(/only the orders it placed/);
    expect(authorizeOrderChange(tom, 'replace', theirs)).toMatch(/only the orders it placed/);
    const rm = who('rita', { role: 'risk_manager', portfolios: ['P1'] });
    expect(authorizeOrderChange(rm, 'cancel', theirs)).toBeNull();
    expect(authorizeOrderChange(rm, 'replace', theirs)).toMatch(/may not replace/);
    expect(authorizeOrderChange(rm, 'cancel', { portfolioId: 'P2', submittedBy: 'ann' })).toMatch(/covers portfolio P2/);
  });

  it('scopes unfiltered reads to the union of the read grants', () => {
    expect(scopeOf(who('x', { role: 'trader', portfolios: ['P1'] }, { role: 'compliance_officer', portfolios: ['P2'] }, { role: 'feed', portfolios: ['*'] }), 'read')).toEqual(new Set(['P1', 'P2']));
    expect(scopeOf(who('x', { role: 'trader', portfolios: ['P1'] }, { role: 'risk_manager', portfolios: ['*'] }), 'read')).toBeNull();
    expect(scopeOf(who('x', { role: 'trader', portfolios: ['*'] }), 'limits')).toEqual(new Set());
  });
});
