/**
 * Flow control end to end: a client that stops reading (its socket paused) gets conflated risk
 * (newest per portfolio, sent on drain) but every ack and fill; past the hard cap it is closed
 * with 4008. Real uWS, engine and pool; needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { Client, type Msg, type Stack, occ, startStack } from './harness.js';

const N_PORTFOLIOS = 30;
const TICKERS = Array.from({ length: 12 }, (_, i) => `U${String.fromCharCode(65 + i)}`);

let stack: Stack;
let feed: Client;

const socketOf = (c: Client): Socket => (c.ws as unknown as { _socket: Socket })._socket;

beforeAll(async () => {
  stack = await startStack({ slowConsumerBytes: 32 * 1024 });
  for (let p = 0; p < N_PORTFOLIOS; p++) {
    // Options on every ticker make each snapshot carry a dozen byUnderlying entries (~2 KB).
    const positions = TICKERS.map((t, i) => ({ instrument: occ(t, '2026-06-18', i % 2 ? 'C' : 'P', 100), qty: 1 + p, vol: 0.2 + 0.01 * i }));
    expect((await stack.engine.createPortfolio({ portfolioId: `P${p}`, cash: 1e7, positions }, 'test')).ok).toBe(true);
  }
  expect((await stack.engine.createPortfolio({ portfolioId: 'TR', cash: 1e7, limits: { submitRateLimit: 10_000 } }, 'test')).ok).toBe(true);
  feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
  for (const t of TICKERS) feed.send({ type: 'tick', symbol: t, price: 100, ts: stack.nextTickTs() });
  feed.send({ type: 'tick', symbol: 'XYZ', price: 20, ts: stack.nextTickTs() });
  await feed.request({ type: 'tick', symbol: 'XYZ', price: 20, ts: stack.nextTickTs() });
});

afterAll(async () => {
  await feed?.close();
  await stack?.close();
});

function riskSeqs(msgs: Msg[], portfolioId: string): number[] {
  return msgs.filter((m) => m.type === 'risk' && m.portfolioId === portfolioId).map((m) => m.seq as number);
}

describe('slow consumer', () => {
  it('gets conflated risk but every ack and fill, and is not closed below the hard cap', async () => {
    const token = await stack.token('sam', ['trader', 'risk_manager'], ['*']);
    const fast = await Client.login(stack.url, token);
    const slow = await Client.login(stack.url, token);
    const trader = await Client.login(stack.url, await stack.token('tom', ['trader'], ['TR']));
    for (const c of [fast, slow]) {
      expect(await c.request({ type: 'subscribe', channel: 'risk' })).toMatchObject({ type: 'subscribed' });
      expect(await c.request({ type: 'subscribe', channel: 'orders', portfolioId: 'TR' })).toMatchObject({ type: 'subscribed' });
    }
    socketOf(slow).pause();

    let orders = 0;
    let ownOrders = 0;
    for (let round = 0; round < 300; round++) {
      const t = TICKERS[round % TICKERS.length]!;
      const tickTs = stack.nextTickTs();
      feed.send({ type: 'tick', symbol: t, price: 100 + (round % 7) * 0.25, ts: tickTs });
      // Paced by the recalculation: wait until the fast client saw this tick in P0's risk.
      await fast.next((m) => m.type === 'risk' && m.portfolioId === 'P0' && m.tickTs >= tickTs, 10_000);
      if (round % 5 === 0) {
        const r = await trader.request({ type: 'order', portfolioId: 'TR', clientOrderId: `t${round}`, instrument: 'XYZ', side: round % 10 ? 'buy' : 'sell', qty: 1, orderType: 'market' });
        expect(r.type).toBe('ack');
        orders++;
      }
      if (round % 50 === 0) {
        // The slow client trades too: its acks and fills queue behind the backlog.
        slow.send({ type: 'order', id: `own${round}`, portfolioId: 'TR', clientOrderId: `own${round}`, instrument: 'XYZ', side: 'buy', qty: 1, orderType: 'market' });
        ownOrders++;
      }
    }
    const during = await stack.health();
    socketOf(slow).resume();

    const lastSeq = Math.max(...riskSeqs(fast.received, 'P0'));
    await slow.next((m) => m.type === 'risk' && m.portfolioId === 'P0' && m.seq === lastSeq, 20_000);
    const fillsSeen = () => slow.received.filter((m) => m.type === 'fill' && String(m.clientOrderId).startsWith('t')).length;
    await expect.poll(fillsSeen, { timeout: 20_000 }).toBe(orders);
    const acks = slow.received.filter((m) => m.type === 'ack' && String(m.id).startsWith('own'));
    const ownFills = slow.received.filter((m) => m.type === 'fill' && String(m.clientOrderId).startsWith('own'));
    expect(acks).toHaveLength(ownOrders);
    // Exactly once each, after its ack, although the slow client also subscribes to TR's orders.
    expect(ownFills).toHaveLength(ownOrders);
    for (const f of ownFills) expect(slow.received.indexOf(f)).toBeGreaterThan(slow.received.findIndex((m) => m.type === 'ack' && m.clientOrderId === f.clientOrderId));

    const fastSeqs = riskSeqs(fast.received, 'P0');
    const slowSeqs = riskSeqs(slow.received, 'P0');
    expect(fastSeqs.length).toBeGreaterThan(250);
    expect(slowSeqs.length).toBeLessThan(fastSeqs.length);
    // Conflation keeps order: the slow client never sees an older snapshot after a newer one.
    expect([...slowSeqs].sort((a, b) => a - b)).toEqual(slowSeqs);
    expect(during.body.gateway.conflated).toBeGreaterThan(0);
    expect(during.body.gateway.dropped).toBe(0);
    expect(slow.closeInfo).toBeUndefined();
    await Promise.all([fast.close(), slow.close(), trader.close()]);
  });

  it('is closed with 4008 once its backlog of must-deliver messages passes the hard cap', async () => {
    const small = await startStack({ slowConsumerBytes: 16 * 1024, maxBufferedBytes: 256 * 1024 });
    try {
      expect((await small.engine.createPortfolio({ portfolioId: 'Q', cash: 1e6, positions: [{ instrument: 'XYZ', qty: 1 }] }, 'test')).ok).toBe(true);
      const f = await Client.login(small.url, await small.token('feed', ['feed'], []));
      const slow = await Client.login(small.url, await small.token('sam', ['risk_manager'], ['*']));
      const other = await Client.login(small.url, await small.token('sue', ['risk_manager'], ['*']));
      await f.request({ type: 'tick', symbol: 'XYZ', price: 20, ts: small.nextTickTs() });
      await other.request({ type: 'subscribe', channel: 'risk', portfolioId: 'Q' });
      await other.next((m) => m.type === 'risk');
      socketOf(slow).pause();
      // Replies are never conflated; keep asking until the server gives up on this client.
      const pad = 'x'.repeat(100);
      let sent = 0;
      while (slow.closeInfo === undefined && sent < 200_000) {
        for (let i = 0; i < 500; i++) slow.send({ type: 'unsubscribe', id: `${pad}${sent++}`, channel: 'market', symbol: 'XYZ' });
        await new Promise((r) => setTimeout(r, 1));
        const h = await small.health();
        if (h.body.gateway.slowConsumerCloses > 0) break;
      }
      socketOf(slow).resume();
      expect((await slow.closed).code).toBe(4008);
      const h = await small.health();
      expect(h.body.gateway).toMatchObject({ slowConsumerCloses: 1, dropped: 0 });
      // Others are unaffected.
      expect(await other.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'subscribed' });
      await Promise.all([f.close(), other.close()]);
    } finally {
      await small.close();
    }
  });
});
