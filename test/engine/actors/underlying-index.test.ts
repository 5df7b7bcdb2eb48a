import { describe, expect, it } from 'vitest';
import { handlePortfolioMessage as handle } from '../../../src/engine/actors/portfolio-actor.js';
import { UnderlyingIndex, underlyingsTouched } from '../../../src/engine/actors/underlying-index.js';
import { CALL, ctx, portfolio, req, submit } from './fixtures.js';

describe('UnderlyingIndex', () => {
  it('lists the portfolios of an underlying as they are added and removed', () => {
    const ix = new UnderlyingIndex();
    ix.add('XYZ', 'P1');
    ix.add('XYZ', 'P2');
    ix.add('ABC', 'P1');
    expect([...ix.portfoliosFor('XYZ')]).toEqual(['P1', 'P2']);
    ix.remove('XYZ', 'P1');
    expect([...ix.portfoliosFor('XYZ')]).toEqual(['P2']);
    expect([...ix.underlyingsOf('P1')]).toEqual(['ABC']);
    ix.remove('XYZ', 'P2');
    expect(ix.portfoliosFor('XYZ').size).toBe(0);
  });

  it('returns the same set on every call for a held underlying, and one shared empty set otherwise', () => {
    const ix = new UnderlyingIndex();
    ix.add('XYZ', 'P1');
    expect(ix.portfoliosFor('XYZ')).toBe(ix.portfoliosFor('XYZ'));
    expect(ix.portfoliosFor('NONE')).toBe(ix.portfoliosFor('OTHER'));
  });

  it('follows a portfolio through an open order, a fill in an option and the close of its position', () => {
    const ix = new UnderlyingIndex();
    const m = ctx({ XYZ: 100, ABC: 50 }, { vols: { [CALL]: 0.3 } });
    let s = portfolio();
    ix.update('P1', underlyingsTouched(s));
    expect(ix.portfoliosFor('XYZ').size).toBe(0);

    s = handle(s, submit(req('ABC', 'buy', 1, { orderType: 'limit', limitPrice: 40 })), m).state;
    ix.update('P1', underlyingsTouched(s));
    expect([...ix.underlyingsOf('P1')]).toEqual(['ABC']);

    s = handle(s, submit(req(CALL, 'buy', 1)), m).state;
    s = handle(s, { kind: 'CancelOrder', orderId: 'P1-o1' }, m).state;
    ix.update('P1', underlyingsTouched(s));
    expect([...ix.underlyingsOf('P1')]).toEqual(['XYZ']);
    expect([...ix.portfoliosFor('XYZ')]).toEqual(['P1']);
    expect(ix.portfoliosFor('ABC').size).toBe(0);

    s = handle(s, submit(req(CALL, 'sell', 1)), m).state;
    ix.update('P1', underlyingsTouched(s));
    expect(ix.portfoliosFor('XYZ').size).toBe(0);
  });

  it('drops a removed portfolio from every underlying', () => {
    const ix = new UnderlyingIndex();
    ix.update('P1', new Set(['XYZ', 'ABC']));
    ix.update('P2', new Set(['XYZ']));
    ix.removePortfolio('P1');
    expect([...ix.portfoliosFor('XYZ')]).toEqual(['P2']);
    expect(ix.portfoliosFor('ABC').size).toBe(0);
  });

  it('lists holders as an array that a walk may keep while the index changes under it', () => {
    const ix = new UnderlyingIndex();
    ix.add('XYZ', 'P1');
    ix.add('XYZ', 'P2');
    const walk = ix.holdersOf('XYZ');
    ix.remove('XYZ', 'P1');
    ix.add('XYZ', 'P3');
    ix.add('XYZ', 'P3');
    expect(walk).toEqual(['P1', 'P2']);
    expect(ix.holdersOf('XYZ')).toEqual(['P2', 'P3']);
    expect([...ix.portfoliosFor('XYZ')].sort()).toEqual([...ix.holdersOf('XYZ')].sort());
    ix.removePortfolio('P2');
    ix.removePortfolio('P3');
    expect(ix.holdersOf('XYZ')).toEqual([]);
  });
});
