import { describe, expect, it } from 'vitest';
import { isQuiet, matchOrder, quietBand } from '../../../src/engine/actors/order-matching.js';
import type { Order } from '../../../src/engine/actors/types.js';
import { createRng } from '../../../src/engine/risk/prng.js';

const base = (over: Partial<Order>): Order => ({
  clientOrderId: 'c', instrument: 'XYZ', side: 'buy', qty: 1, orderType: 'limit', orderId: 'P-o1', portfolioId: 'P',
  parsed: { kind: 'underlying', symbol: 'XYZ' }, status: 'open', filledQty: 0, createdMs: 0, updatedMs: 0, submittedBy: 't',
  ...over,
});

describe('quietBand', () => {
  it('never calls a price quiet at which some resting order would fill or trigger (10,000 random books)', () => {
    const rng = createRng(11);
    const types = ['limit', 'stop', 'take_profit'] as const;
    for (let n = 0; n < 10_000; n++) {
      const orders: Order[] = [];
      for (let k = 0; k < 1 + Math.floor(rng.nextUniform() * 4); k++) {
        const orderType = types[Math.floor(rng.nextUniform() * 3)]!;
        const level = 90 + 20 * rng.nextUniform();
        const stopLimit = orderType !== 'limit' && rng.nextUniform() < 0.3;
        orders.push(base({
          side: rng.nextUniform() < 0.5 ? 'buy' : 'sell',
          orderType,
          ...(orderType === 'limit' || stopLimit ? { limitPrice: level + (stopLimit ? 2 * rng.nextUniform() - 1 : 0) } : {}),
          ...(orderType !== 'limit' ? { stopPrice: level } : {}),
          ...(stopLimit && rng.nextUniform() < 0.5 ? { triggeredMs: 1 } : {}),
        }));
      }
      const band = quietBand(orders, 'XYZ');
      const price = 85 + 30 * rng.nextUniform();
      const reacts = orders.some((o) => matchOrder(o, price).kind !== 'rest');
      if (isQuiet(band, price)) expect(reacts, JSON.stringify({ band, price, orders })).toBe(false);
      else expect(reacts).toBe(true);
    }
  });

  it('sends every tick to the actor when an option of the underlying has a resting order', () => {
    const option = base({ instrument: 'XYZ   261218C00100000', parsed: { kind: 'option', symbol: 'XYZ   261218C00100000', underlying: 'XYZ', expiry: '2026-12-18', type: 'call', strike: 100 } });
    expect(isQuiet(quietBand([option], 'XYZ'), 100)).toBe(false);
  });

  it('ignores orders on other underlyings', () => {
    const other = base({ instrument: 'ABC', parsed: { kind: 'underlying', symbol: 'ABC' }, limitPrice: 50 });
    expect(quietBand([other], 'XYZ')).toEqual({ lo: -Infinity, hi: Infinity });
  });
});
