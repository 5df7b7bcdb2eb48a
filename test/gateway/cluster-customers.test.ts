/**
 * A customer whose portfolios live on several engines (scale-out), end to end in one process: real
 * gateways (uWS, each with its own in-memory engine, its own set of sanctions blocks and its own
 * cluster router), linked by the real websocket transport, sharing a routing map held in memory
 * (static-ownership.ts) that splits 8 partitions: 0-3 to A, 4-7 to B. Screening hits go through
 * screeningHits wired as main.ts wires it on a cluster (screeningAcrossEngines).
 *
 * - a sanctions block found on A halts the customer's portfolios on B too;
 * - an engine that cannot be reached makes the halt's answer ENGINE_UNREACHABLE, naming it;
 * - a block found on A makes a portfolio the customer opens later on B start halted, and an engine
 *   that joins later learns the block when its link comes up;
 * - an order read or cancelled by its id alone through A is found on B, which owns it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/engine/cluster/partitions.js';
import { InProcessRiskCalculator } from '../../src/engine/risk/in-process-calculator.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import type { Role } from '../../src/gateway/auth.js';
import { ENGINE_UNREACHABLE } from '../../src/gateway/cluster/cluster-halt.js';
import { ClusterRouter } from '../../src/gateway/cluster/cluster-router.js';
import { endpointOf } from '../../src/gateway/cluster/endpoint.js';
import { WsClusterTransport } from '../../src/gateway/cluster/ws-transport.js';
import { type Gateway, startGateway } from '../../src/gateway/server.js';
import { SigningKeyRing } from '../../src/gateway/signing-keys.js';
import { Tokens } from '../../src/gateway/tokens.js';
import { SanctionsBlocks } from '../../src/persistence/sanctions-blocks.js';
import { memoryScreeningAlerts } from '../../src/persistence/screening-alerts.js';
import { screeningAcrossEngines } from '../../src/scale-out.js';
import { type ScreeningHits, screeningHits } from '../../src/screening-hits.js';
import { StaticClusterMap } from './cluster/static-ownership.js';

const PARTITIONS = 8;
const SECRET = 'a-cluster-secret-for-tests-only';

interface Node {
  readonly id: string;
  readonly engine: Engine;
  readonly blocks: SanctionsBlocks;
  readonly gateway: Gateway;
  readonly transport: WsClusterTransport;
  readonly router: ClusterRouter;
  readonly hits: ScreeningHits;
  readonly http: string;
}

const map = new StaticClusterMap(PARTITIONS);
map.assign([0, 1, 2, 3], 'A');
map.assign([4, 5, 6, 7], 'B');
let keyDir: string;
let tokens: Tokens;
const nodes: Node[] = [];
let a: Node;
let b: Node;

/** A portfolio id whose partition is `p` (ids are hashed, so some are tried). */
function portfolioIn(p: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionOf(`${prefix}-${i}`, PARTITIONS) === p) return `${prefix}-${i}`;
}

async function startNode(id: string): Promise<Node> {
  const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 7 });
  if (!sc.ok) throw new Error(sc.message);
  const blocks = new SanctionsBlocks();
  const engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => Date.now() }, rate: 0.04, blockedOwners: blocks });
  const view = map.viewOf(id);
  const transport = new WsClusterTransport({ self: id, secret: SECRET, peers: () => view.engines(), onPeersChange: (l) => view.onChange(l), pingMs: 500 });
  const router = new ClusterRouter({ ownership: view, transport, moveWaitMs: 400, blocks });
  const gateway = await startGateway(engine, { host: '127.0.0.1', port: 0, jwt: tokens, cluster: router });
  map.join(id, endpointOf('127.0.0.1', gateway.port));
  const hits = screeningHits({ ...screeningAcrossEngines(router, engine), alerts: memoryScreeningAlerts(), log: () => {} });
  const node = { id, engine, blocks, gateway, transport, router, hits, http: `http://127.0.0.1:${gateway.port}` };
  nodes.push(node);
  transport.start();
  return node;
}

async function stopNode(n: Node): Promise<void> {
  await n.router.close();
  await n.transport.close();
  await n.gateway.close();
  await n.engine.close();
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function create(engine: Engine, portfolioId: string, ownerId?: string): Promise<void> {
  expect(await engine.createPortfolio({ portfolioId, cash: 1_000_000, ...(ownerId !== undefined ? { ownerId } : {}) }, 'test')).toEqual({ ok: true, value: { portfolioId } });
}

const stateOf = (engine: Engine, portfolioId: string) => {
  const v = engine.getPortfolio(portfolioId);
  return { tradingState: v?.tradingState, reason: v?.tradingStateReason };
};
const HALTED = { tradingState: 'halted', reason: 'SANCTIONS' };
const ACTIVE = { tradingState: 'active', reason: undefined };

const block = { decision: 'block', pep: false, listVersion: 'test-list' } as const;

const token = (sub: string, roles: Role[], portfolios: string[]) =>
  tokens.issueAccess({ sub, grants: roles.map((role) => ({ role, portfolios })), amr: ['dev'] }, 600, Date.now());

async function http(node: Node, method: string, path: string, bearer: string): Promise<{ status: number; body: any }> {
  const res = await fetch(node.http + path, { method, headers: { authorization: `Bearer ${bearer}` } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'cluster-customers-keys-'));
  tokens = new Tokens({ keys: SigningKeyRing.open({ dir: keyDir, createIfEmpty: true }), issuer: 'test-issuer', audience: 'test-gateway' });
  a = await startNode('A');
  b = await startNode('B');
  await until('the link', () => a.transport.linkUp('B') && b.transport.linkUp('A'));
});

afterAll(async () => {
  for (const n of nodes) await stopNode(n);
  rmSync(keyDir, { recursive: true, force: true });
});

describe('a customer halted through one engine', () => {
  it("halts the customer's portfolios on every engine, answers with all of them, and leaves other customers alone", async () => {
    const onA = portfolioIn(1, 'h-a'), onB = portfolioIn(5, 'h-b'), onB2 = portfolioIn(6, 'h-b2'), other = portfolioIn(5, 'h-o');
    await create(a.engine, onA, 'cust-halt');
    await create(b.engine, onB, 'cust-halt');
    await create(b.engine, onB2, 'cust-halt');
    await create(b.engine, other, 'cust-other');
    // The sanctions block is found on A (a KYC screening there).
    await a.hits.onKycHit('cust-halt', block);
    for (const id of [onA, onB, onB2]) expect({ id, ...stateOf(id === onA ? a.engine : b.engine, id) }).toEqual({ id, ...HALTED });
    expect(stateOf(b.engine, other)).toEqual(ACTIVE);
    // The answer A's callers get names every engine's portfolios.
    const r = await a.router.haltOwner('cust-halt', 'SANCTIONS', 'compliance');
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.value.portfolioIds].sort()).toEqual([onA, onB, onB2].sort());
  });

  it('answers ENGINE_UNREACHABLE, naming the engine, when a live engine cannot be reached, after halting what the others host', async () => {
    const onA = portfolioIn(2, 'u-a'), onB = portfolioIn(7, 'u-b');
    await create(a.engine, onA, 'cust-unreach');
    await create(b.engine, onB, 'cust-unreach');
    // Engine Z is listed among the live engines, but nothing answers at its endpoint.
    map.join('Z', 'http://127.0.0.1:1');
    try {
      const r = await a.router.haltOwner('cust-unreach', 'SANCTIONS', 'compliance');
      expect(r).toMatchObject({ ok: false, code: ENGINE_UNREACHABLE });
      if (!r.ok) {
        expect(r.message).toContain('engine Z not reached');
        expect(r.message).toContain(onA);
        expect(r.message).toContain(onB);
      }
      expect(stateOf(a.engine, onA)).toEqual(HALTED);
      expect(stateOf(b.engine, onB)).toEqual(HALTED);
    } finally {
      map.leave('Z');
    }
    // With Z gone the same halt is whole again.
    expect(await a.router.haltOwner('cust-unreach', 'SANCTIONS', 'compliance')).toMatchObject({ ok: true });
  });
});

describe('a sanctions block found on one engine', () => {
  it("makes a portfolio the customer opens on another engine afterwards start halted, and leaves other customers' new portfolios active", async () => {
    await a.hits.onKycHit('cust-new', block);
    expect(a.blocks.isBlocked('cust-new')).toBe(true);
    // The halt came after the block on the same link, so B had the block when A's halt was answered.
    expect(b.blocks.isBlocked('cust-new')).toBe(true);
    const later = portfolioIn(4, 'n-b'), clean = portfolioIn(4, 'n-c');
    await create(b.engine, later, 'cust-new');
    await create(b.engine, clean, 'cust-clean');
    expect(stateOf(b.engine, later)).toEqual(HALTED);
    expect(stateOf(b.engine, clean)).toEqual(ACTIVE);
  });

  it('reaches an engine that joins later, when its link comes up', async () => {
    await b.hits.onKycHit('cust-before-c', block);
    const c = await startNode('C');
    await until('the links of C', () => c.transport.linkUp('A') && c.transport.linkUp('B'));
    await until('the blocks on C', () => c.blocks.isBlocked('cust-before-c') && c.blocks.isBlocked('cust-new'));
    const onC = portfolioIn(3, 'c-c');
    await create(c.engine, onC, 'cust-before-c');
    expect(stateOf(c.engine, onC)).toEqual(HALTED);
    nodes.splice(nodes.indexOf(c), 1);
    map.leave('C');
    await stopNode(c);
  });
});

describe('an order named by its id alone', () => {
  it('is read through engine A from engine B, which owns it, and cancelled there', async () => {
    const pb = portfolioIn(6, 'o-b');
    await create(b.engine, pb);
    b.engine.tick('AAA', 100, Date.now());
    const out = await b.engine.submitOrder(pb, { clientOrderId: 'by-id-1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 90 }, 'reader');
    if (out.kind !== 'ack') throw new Error(`order not taken: ${JSON.stringify(out)}`);
    const orderId = out.order.orderId;
    expect(a.engine.getOrder(orderId)).toBeUndefined();
    const reader = await token('reader', ['trader'], [pb]);
    const read = await http(a, 'GET', `/trades/${encodeURIComponent(orderId)}`, reader);
    expect(read.status).toBe(200);
    expect(read.body.order).toMatchObject({ orderId, portfolioId: pb, status: 'open' });
    // The owner still checks the grants: a token for another portfolio is refused there.
    expect((await http(a, 'GET', `/trades/${encodeURIComponent(orderId)}`, await token('nosy', ['trader'], ['elsewhere']))).status).toBe(403);
    const cancelled = await http(a, 'DELETE', `/trades/${encodeURIComponent(orderId)}`, reader);
    expect(cancelled.status).toBe(204);
    expect(b.engine.getOrder(orderId)?.status).toBe('cancelled');
  });

  it('answers 404 for an id that names no order anywhere', async () => {
    const ghost = portfolioIn(5, 'ghost');
    const r = await http(a, 'GET', `/trades/${encodeURIComponent(`${ghost}-o1`)}`, await token('reader', ['trader'], [ghost]));
    expect(r.status).toBe(404);
  });
});
