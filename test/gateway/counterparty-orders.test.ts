/**
 * Orders naming a counterparty over the real websocket (real uWS gateway, engine and risk pool;
 * the real sanctions thread on the shipped SDN list, its calls counted by a wrapper that passes
 * each one through): a listed name is refused before the engine sees the order, an ordinary one
 * trades and its fill carries the counterparty, a name seen before is not screened again, and a
 * malformed counterparty is refused naming the field. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CounterpartyHit, CounterpartyScreening } from '../../src/gateway/counterparty-screening.js';
import { SANCTIONS_LIST_DEFAULTS } from '../../src/persistence/sanctions-list.js';
import { SanctionsThread } from '../../src/workers/sanctions/sanctions-thread.js';
import { CountingScreener } from './counting-screener.js';
import { Client, type Msg, type Stack, startStack } from './harness.js';

let stack: Stack;
let thread: SanctionsThread;
let counting: CountingScreener;
let trader: Client;
const hits: CounterpartyHit[] = [];
let cid = 0;

function order(extra: Record<string, unknown>): Promise<Msg> {
  return trader.request({ type: 'order', portfolioId: 'OTC', clientOrderId: `k${++cid}`, instrument: 'AAA', side: 'buy', qty: 5, orderType: 'market', ...extra });
}

beforeAll(async () => {
  thread = await SanctionsThread.open(SANCTIONS_LIST_DEFAULTS.dir);
  counting = new CountingScreener(thread);
  stack = await startStack({ counterparties: new CounterpartyScreening({ screener: counting, onHit: (h) => hits.push(h) }) });
  expect((await stack.engine.createPortfolio({ portfolioId: 'OTC', cash: 1_000_000 }, 'test')).ok).toBe(true);
  const feed = await Client.login(stack.url, await stack.token('feed-1', ['feed'], []));
  expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack' });
  await feed.close();
  trader = await Client.login(stack.url, await stack.token('tom', ['trader'], ['OTC']));
}, 30_000);
afterAll(async () => {
  await trader?.close();
  await stack?.close();
  await thread?.close();
});

describe('orders naming a counterparty', () => {
  it('refuses an order whose counterparty is on the SDN list with SANCTIONED_COUNTERPARTY before the engine sees it, and onHit hears the block', async () => {
    const r = await order({ counterparty: { name: 'Usama bin Laden', country: 'SA' } });
    expect(r).toMatchObject({ type: 'reject', code: 'SANCTIONED_COUNTERPARTY', clientOrderId: `k${cid}`, reason: expect.stringContaining('sanctions list') });
    expect(stack.engine.listOrders('OTC').map((o) => o.clientOrderId)).not.toContain(`k${cid}`);
    expect(hits.map((h) => ({ portfolioId: h.portfolioId, userId: h.userId, name: h.name, decision: h.result.decision }))).toEqual([
      { portfolioId: 'OTC', userId: 'tom', name: 'Usama bin Laden', decision: 'block' },
    ]);
  });

  it('trades with an ordinary counterparty, its fill carrying name and country, and screens that name only once', async () => {
    const before = counting.asked.length;
    const counterparty = { name: 'Nordsee Handels GmbH', country: 'DE' };
    const first = await order({ counterparty });
    expect(first).toMatchObject({ type: 'ack', status: 'filled' });
    const second = await order({ counterparty });
    expect(second).toMatchObject({ type: 'ack', status: 'filled' });
    expect(counting.asked.slice(before)).toEqual(['Nordsee Handels GmbH']);
    expect(stack.engine.getOrder(first.orderId)?.counterparty).toEqual(counterparty);
    expect(stack.engine.fillsOf(first.orderId).map((f) => f.counterparty)).toEqual([counterparty]);
  });

  it('leaves an order without a counterparty unscreened and its fill without one', async () => {
    const before = counting.asked.length;
    const r = await order({});
    expect(r).toMatchObject({ type: 'ack', status: 'filled' });
    expect(counting.asked.length).toBe(before);
    expect(stack.engine.fillsOf(r.orderId).map((f) => 'counterparty' in f)).toEqual([false]);
  });

  it('refuses a malformed counterparty with INVALID_MESSAGE naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: '' }, /^counterparty\.name: /],
      [{ name: '   ' }, /^counterparty\.name: /],
      [{ name: 'x'.repeat(201) }, /^counterparty\.name: /],
      [{ name: 'Acme\u0000Ltd' }, /^counterparty\.name: no control characters/],
      [{ name: 'Acme', country: 'de' }, /^counterparty\.country: an ISO 3166-1 alpha-2 code/],
      [{ name: 'Acme', country: 'XX' }, /^counterparty\.country: /],
      [{ name: 'Acme', lei: '5493001KJTIIGC8Y1R12' }, /^counterparty: /],
      ['Acme', /^counterparty: /],
    ];
    for (const [counterparty, message] of cases) {
      const r = await order({ counterparty });
      expect(r, JSON.stringify(counterparty)).toMatchObject({ type: 'error', code: 'INVALID_MESSAGE' });
      expect(r.message).toMatch(message);
    }
  });
});
