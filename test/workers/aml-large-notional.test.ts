import { describe, expect, it } from 'vitest';
import { fillNotional, largeNotionalAlert } from '../../src/workers/queue-jobs/aml-large-notional.js';

const fill = { fillId: 'p-f1', orderId: 'p-o1', portfolioId: 'p', instrument: 'AAA 260320C00050000', side: 'buy' as const, qty: 20, price: 5, ts: 1 };

describe('large-notional AML rule', () => {
  it('counts the contract multiplier in the notional, and 1 when it is absent', () => {
    expect(fillNotional({ ...fill, multiplier: 100 })).toBe(10_000);
    expect(fillNotional(fill)).toBe(100);
  });

  it('raises nothing below the threshold and a medium alert at it', () => {
    expect(largeNotionalAlert({ ...fill, multiplier: 100 }, 10_001)).toBeNull();
    expect(largeNotionalAlert({ ...fill, multiplier: 100 }, 10_000)).toMatchObject({ fillId: 'p-f1', rule: 'LARGE_NOTIONAL', severity: 'medium', notional: 10_000 });
  });

  it('raises a high alert at ten times the threshold', () => {
    expect(largeNotionalAlert({ ...fill, multiplier: 100 }, 1_000)?.severity).toBe('high');
  });
});
