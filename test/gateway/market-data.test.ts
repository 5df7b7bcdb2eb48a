/**
 * Market-data checks end to end (real uWS gateway, engine and risk pool; `npm run build` first):
 * only the feed role ticks; bad prices and ts are refused with their codes; a jump is held and the
 * feed is told; risk managers list held ticks and change a symbol's band over REST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Stack, httpJson, startStack } from './harness.js';

let stack: Stack;
let feed: Client;
let admin: string, rm: string, trader: string, feedTok: string;

beforeAll(async () => {
  stack = await startStack();
  [admin, rm, trader, feedTok] = await Promise.all([
    stack.token('ada', ['admin'], ['*']),
    stack.token('rita', ['risk_manager'], ['*']),
    stack.token('tom', ['trader'], ['*']),
    stack.token('feed-1', ['feed'], []),
  ]);
  feed = await Client.login(stack.url, feedTok);
});

afterAll(async () => {
  await feed?.close();
  await stack?.close();
});

describe('websocket: who may tick', () => {
  it('refuses a tick from admin (FORBIDDEN) and takes it from the feed', async () => {
    const a = await Client.login(stack.url, admin);
    try {
      expect(await a.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: expect.stringMatching(/may not tick/) });
    } finally {
      await a.close();
    }
    expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack', status: 'accepted' });
  });
});

describe('websocket: bad ticks are refused with their codes', () => {
  it('answers TICK_PRICE_INVALID for a price that is not a finite number above zero', async () => {
    for (const price of [0, -1, NaN, Infinity]) {
      expect(await feed.request({ type: 'tick', symbol: 'BBB', price, ts: stack.nextTickTs() })).toMatchObject({ type: 'error', code: 'TICK_PRICE_INVALID' });
    }
  });

  it('answers TICK_CLOCK_SKEW for a ts more than 5 s from the engine clock, stale or ahead', async () => {
    const now = stack.clock.nowMs();
    for (const ts of [now - 60_000, now + 60_000, 1]) {
      expect(await feed.request({ type: 'tick', symbol: 'BBB', price: 50, ts })).toMatchObject({ type: 'error', code: 'TICK_CLOCK_SKEW' });
    }
    // Nothing refused became a price: the first good tick is still the symbol's first.
    expect(await feed.request({ type: 'tick', symbol: 'BBB', price: 5000, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack', status: 'accepted' });
  });
});

describe('websocket and REST: held ticks', () => {
  it('tells the feed a jump is held (even without an id), keeps it off the market stream, and lists it for risk managers', async () => {
    expect(await feed.request({ type: 'tick', symbol: 'CCC', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack', status: 'accepted' });
    const watcher = await Client.login(stack.url, rm);
    try {
      await watcher.request({ type: 'subscribe', channel: 'market', symbol: 'CCC' });
      const heldTs = stack.nextTickTs();
      expect(await feed.request({ type: 'tick', symbol: 'CCC', price: 10, ts: heldTs })).toEqual({ type: 'ack', id: expect.any(Number), status: 'held', code: 'TICK_HELD', symbol: 'CCC', price: 10 });
      feed.send({ type: 'tick', symbol: 'CCC', price: 1000, ts: stack.nextTickTs() });
      expect(await feed.next((m) => m.type === 'ack' && m.status === 'held' && m.price === 1000)).toEqual({ type: 'ack', status: 'held', code: 'TICK_HELD', symbol: 'CCC', price: 1000 });

      const held = await httpJson(stack, 'GET', '/market/held', { token: rm });
      expect(held.status).toBe(200);
      expect(held.body.counts).toMatchObject({ held: 2, dropped: 1, confirmed: 0 });
      expect(held.body.symbols).toEqual([expect.objectContaining({ symbol: 'CCC', lastPrice: 100, maxJump: 0.25, bandSet: false, heldTick: expect.objectContaining({ price: 1000 }), counts: { held: 2, dropped: 1, confirmed: 0, released: 0 } })]);
      expect((await stack.health()).body.tickGuard).toMatchObject({ held: 2, heldNow: 1 });

      // A confirming tick near the held 1000 moves the market; the market stream sees only that one.
      expect(await feed.request({ type: 'tick', symbol: 'CCC', price: 1010, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack', status: 'accepted' });
      const seen = await watcher.next((m) => m.type === 'tick' && m.symbol === 'CCC' && m.price !== 100);
      expect(seen).toMatchObject({ price: 1010 });
      expect(watcher.received.filter((m) => m.type === 'tick' && (m.price === 10 || m.price === 1000))).toEqual([]);
    } finally {
      await watcher.close();
    }
  });

  it('lets a risk manager widen a symbol\'s band over a held tick, which is applied at once, and refuses the others', async () => {
    await feed.request({ type: 'tick', symbol: 'DDD', price: 100, ts: stack.nextTickTs() });
    const heldTs = stack.nextTickTs();
    expect(await feed.request({ type: 'tick', symbol: 'DDD', price: 140, ts: heldTs })).toMatchObject({ status: 'held' });

    expect(await httpJson(stack, 'POST', '/market/band', { token: trader, body: { symbol: 'DDD', maxJump: 0.5 } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await httpJson(stack, 'GET', '/market/held', { token: trader })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'GET', '/market/held', { token: feedTok })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'POST', '/market/band', { token: rm, body: { symbol: 'DDD', maxJump: 0 } })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/^maxJump:/) } });
    expect(await httpJson(stack, 'POST', '/market/band', { token: rm, body: { symbol: 'DDD' } })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE' } });

    expect(await httpJson(stack, 'POST', '/market/band', { token: rm, body: { symbol: 'DDD', maxJump: 0.5 } }))
      .toEqual({ status: 200, body: { symbol: 'DDD', maxJump: 0.5, released: { price: 140, ts: heldTs } } });
    const held = await httpJson(stack, 'GET', '/market/held', { token: rm });
    expect(held.body.symbols).toContainEqual(expect.objectContaining({ symbol: 'DDD', lastPrice: 140, maxJump: 0.5, bandSet: true, heldTick: null, counts: expect.objectContaining({ released: 1 }) }));
    // The wider band holds for the next ticks: +40% is accepted now.
    expect(await feed.request({ type: 'tick', symbol: 'DDD', price: 196, ts: stack.nextTickTs() })).toMatchObject({ status: 'accepted' });

    expect(await httpJson(stack, 'POST', '/market/band', { token: rm, body: { symbol: 'DDD', maxJump: null } })).toEqual({ status: 200, body: { symbol: 'DDD', maxJump: 0.25 } });
    expect(await feed.request({ type: 'tick', symbol: 'DDD', price: 280, ts: stack.nextTickTs() })).toMatchObject({ status: 'held' });
  });
});
