/**
 * A blocked customer's order over a real websocket (real uWS gateway, real engine, real risk pool,
 * the server's own KycApprovals as the KYC gate): a portfolio created over REST for a customer
 * (`ownerId`) takes no new position until the customer's KYC is approved (KYC_REQUIRED), and a
 * sanctions block (haltOwner with SANCTIONS) halts it, the reason named in the reject. Needs the
 * compiled worker: `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KycApprovals } from '../../src/persistence/kyc-approvals.js';
import { Client, type Msg, type Stack, httpJson, startStack } from './harness.js';

const OWNER = '6f1c2b9e-4d7a-4f0e-9a53-0c2d1e8b7a64';

let stack: Stack;
let feed: Client;
let trader: Client;
let adminToken: string;
let cid = 0;
const approvals = new KycApprovals();

function order(portfolioId: string, side: 'buy' | 'sell', qty: number): Promise<Msg> {
  return trader.request({ type: 'order', portfolioId, clientOrderId: `k${++cid}`, instrument: 'AAA', side, qty, orderType: 'market' });
}

async function createOwned(portfolioId: string, ownerId = OWNER): Promise<void> {
  const r = await httpJson(stack, 'POST', '/portfolios', { token: adminToken, body: { portfolioId, ownerId, cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100, avgPrice: 100 }] } });
  expect(r).toMatchObject({ status: 201, body: { portfolioId } });
}

beforeAll(async () => {
  stack = await startStack({}, { kycGate: approvals });
  adminToken = await stack.token('ann', ['admin'], ['*']);
  feed = await Client.login(stack.url, await stack.token('feed-1', ['feed'], []));
  trader = await Client.login(stack.url, await stack.token('tom', ['trader'], ['*']));
  expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack' });
});

afterAll(async () => {
  await trader?.close();
  await feed?.close();
  await stack?.close();
});

describe('KYC and sanctions at the pre-trade check, over the websocket', () => {
  it('rejects a new position for a customer whose KYC is not approved with KYC_REQUIRED, accepts a reducing order, and trades once approved', async () => {
    await createOwned('KYC1');
    const opening = await order('KYC1', 'buy', 10);
    expect(opening).toMatchObject({ type: 'reject', code: 'KYC_REQUIRED' });
    expect(opening.reason).toMatch(/^the portfolio's owner has no approved KYC: only orders that reduce a position are accepted; order \+10 would take position 100 to 110$/);
    expect(await order('KYC1', 'sell', 10)).toMatchObject({ type: 'ack' });
    approvals.record(OWNER, 'approved');
    expect(await order('KYC1', 'buy', 10)).toMatchObject({ type: 'ack' });
  });

  it('rejects every order of a customer blocked by sanctions screening with TRADING_HALTED, naming SANCTIONS, on each of their portfolios', async () => {
    const owner = 'cust-blocked';
    approvals.record(owner, 'approved');
    await createOwned('SAN1', owner);
    await createOwned('SAN2', owner);
    expect(await order('SAN1', 'buy', 1)).toMatchObject({ type: 'ack' });
    expect(await stack.engine.haltOwner(owner, 'SANCTIONS', 'compliance')).toEqual({ ok: true, value: { ownerId: owner, portfolioIds: ['SAN1', 'SAN2'] } });
    for (const id of ['SAN1', 'SAN2']) {
      const r = await order(id, 'buy', 1);
      expect(r).toMatchObject({ type: 'reject', code: 'TRADING_HALTED' });
      expect(r.reason).toBe('trading is halted (SANCTIONS): submit refused, only cancels are accepted');
    }
    const view = await httpJson(stack, 'GET', '/portfolios/SAN2', { token: adminToken });
    expect(view).toMatchObject({ status: 200, body: { ownerId: owner, tradingState: 'halted', tradingStateReason: 'SANCTIONS' } });
  });

  it('refuses an ownerId that is not a user id with a 400 naming the field', async () => {
    const r = await httpJson(stack, 'POST', '/portfolios', { token: adminToken, body: { portfolioId: 'BAD', ownerId: 'two words', cash: 1 } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('ownerId');
    expect((await httpJson(stack, 'GET', '/portfolios/BAD', { token: adminToken })).status).toBe(404);
  });
});
