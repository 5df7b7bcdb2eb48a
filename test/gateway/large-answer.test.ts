/**
 * A REST answer larger than the socket's buffers (about 10 MB here, well above loopback's) reaches
 * a client that reads slowly whole: uWS takes part of it, and the rest is written as the socket
 * drains (tryEnd / onWritable in http-util.ts) instead of being held in uWS all at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, type Stack, startStack } from './harness.js';
import { rawRequest } from './raw-http.js';

let stack: Stack;
const PORTFOLIOS = 20_000;

beforeAll(async () => {
  stack = await startStack();
  const feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
  await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() });
  await feed.close();
  // Created in one go (each is in the engine once the call returns), answered together.
  const created = Array.from({ length: PORTFOLIOS }, (_, i) =>
    stack.engine.createPortfolio({ portfolioId: `B${i}`, cash: 1, positions: [{ instrument: 'AAA', qty: 1 }, { instrument: 'BBB', qty: 2 }, { instrument: 'CCC', qty: 3 }] }, 'test'));
  expect((await Promise.all(created)).every((r) => r.ok)).toBe(true);
});

afterAll(() => stack?.close());

it('streams a 10 MB answer to a slow reader whole, as the socket drains', async () => {
  const token = await stack.token('ada', ['admin'], ['*']);
  const a = await rawRequest(stack.gateway.port, `GET /risk/positions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}`, '', { readDelayMs: 2, timeoutMs: 120_000 });
  expect(a.status).toBe(200);
  expect(Number(a.headers['content-length'])).toBeGreaterThan(8 * 1024 * 1024);
  const positions = JSON.parse(a.body).positions as { portfolioId: string; qty: number }[];
  expect(positions).toHaveLength(3 * PORTFOLIOS);
  expect(positions.at(-1)).toMatchObject({ portfolioId: `B${PORTFOLIOS - 1}`, qty: 3 });
}, 180_000);
