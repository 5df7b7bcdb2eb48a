import { describe, expect, it } from 'vitest';
import { orderIdOf, portfolioOfOrderId } from '../../../src/engine/actors/order-id.js';

describe('order ids', () => {
  it('name the portfolio the order belongs to', () => {
    expect(portfolioOfOrderId(orderIdOf('P1', 3))).toBe('P1');
  });

  it('keep a portfolio id that itself contains "-o" or digits whole', () => {
    for (const p of ['a-o1', 'x-o', 'book-o-7', 'P-o12-o', '-o9']) expect(portfolioOfOrderId(orderIdOf(p, 42))).toBe(p);
  });

  it('name no portfolio for an id of another form', () => {
    for (const id of ['', 'P1', 'P1-o', 'P1-f3', '-o3', 'P1-o3x']) expect(portfolioOfOrderId(id)).toBeUndefined();
  });
});
