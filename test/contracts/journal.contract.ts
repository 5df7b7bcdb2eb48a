/**
 * The journal port's contract (EventJournal, src/engine/runtime/journal-port.ts), written once and
 * run against each store the journal runs on (journal-embedded.contract.test.ts: PGlite;
 * journal-server.contract.test.ts: a PostgreSQL server), as BullMQ's adapter-conformance tests run
 * one suite against each backend. The entries are real actor transitions (handlePortfolioMessage),
 * recorded as the engine records them.
 *
 * What the port promises: `record` resolves only once its entry is durable and never rejects (it
 * retries until it is); `flush` resolves once everything recorded before it is durable. What the
 * engine builds on that: entries are committed in the order recorded, so that a reopened journal
 * rebuilds the state after the last acknowledged change (positions, cash, orders, limits, trading
 * state, sequences, the clientOrderIds an actor answers copies from), and every change is audited
 * in order, by whom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioState, handlePortfolioMessage } from '../../src/engine/actors/portfolio-actor.js';
import { instrumentOf } from '../../src/engine/actors/instrument-symbol.js';
import type { ActorContext, OrderRequest, PortfolioMessage, PortfolioState } from '../../src/engine/actors/types.js';
import { type EventJournal, isDurableEvent, type JournalEntry } from '../../src/engine/runtime/journal-port.js';
import { journalAuditSink } from '../../src/persistence/journal.js';

export interface OpenJournal {
  readonly journal: EventJournal;
  /** The portfolio states a start rebuilds from what is durable now, with the clientOrderIds of orders accepted since `sinceMs`. */
  restored(sinceMs?: number): Promise<PortfolioState[]>;
  /** The audit trail: action and actor of each record in order, and whether its chain verifies. */
  audit(): Promise<{ readonly records: readonly { readonly action: string; readonly actor: string; readonly entityId: string }[]; readonly verified: boolean }>;
  /** Closes without a flush: what was acknowledged must survive it. */
  close(): Promise<void>;
}

export interface JournalStore {
  /** Opens a journal on this store; again after a close, on what the previous one left. */
  open(): Promise<OpenJournal>;
  /** Removes the store and everything in it. */
  destroy(): Promise<void>;
  /** Where the store can be taken away and given back (a server behind a relay). */
  readonly interruption?: { cut(): Promise<void>; restore(): Promise<void> };
}

const NOW_MS = Date.UTC(2026, 0, 15, 21);
const SPOTS: Record<string, number> = { AAA: 100, BBB: 50 };
const ctx: ActorContext = { nowMs: NOW_MS, market: { rate: 0.04, asOf: '2026-01-15', spot: (u) => SPOTS[u] } };

const created = (portfolioId: string, by = 'admin-ann', ownerId?: string): JournalEntry & { kind: 'created' } => ({
  kind: 'created', by,
  state: createPortfolioState({
    portfolioId, cash: 1_000_000, ...(ownerId !== undefined ? { ownerId } : {}),
    holdings: [{ instrument: instrumentOf('AAA')!, qty: 100, multiplier: 1, dividendYield: 0, style: 'european', avgPrice: 95, realisedPnl: 0 }],
  }),
});

/** One actor transition as the engine journals it (only one with a durable event is recorded). */
function step(before: PortfolioState, msg: PortfolioMessage, by = 'trader-tom'): JournalEntry & { kind: 'changed' } {
  const t = handlePortfolioMessage(before, msg, ctx);
  if (!t.events.some(isDurableEvent)) throw new Error(`${msg.kind} changed nothing durable: ${JSON.stringify(t.events)}`);
  return { kind: 'changed', events: t.events, before, after: t.state, by };
}

const order = (clientOrderId: string, r: Partial<OrderRequest> = {}): PortfolioMessage => ({
  kind: 'SubmitOrder', submittedBy: 'trader-tom',
  request: { clientOrderId, instrument: 'BBB', side: 'buy', qty: 10, orderType: 'market', ...r },
});

/** What a reopened journal must give back of a portfolio. */
const book = (s: PortfolioState | undefined) => s && ({
  ownerId: s.ownerId, tradingStateReason: s.tradingStateReason, cash: s.cash, holdings: s.holdings, openOrders: s.openOrders, limits: s.limits, tradingState: s.tradingState,
  nextOrderSeq: s.nextOrderSeq, nextFillSeq: s.nextFillSeq,
});

export function describeJournalContract(name: string, makeStore: () => JournalStore, capabilities: { readonly interruptible: boolean }): void {
  describe(`journal contract: ${name}`, () => {
    // One store for the suite (each test its own portfolios): an embedded database takes seconds to create.
    let store: JournalStore;
    let j: OpenJournal;
    beforeAll(async () => {
      store = makeStore();
      j = await store.open();
    });
    afterAll(async () => {
      await j?.close();
      await store?.destroy();
    });
    /** Closes the journal without a flush and opens it again, as a restart does. */
    const reopen = async (): Promise<OpenJournal> => {
      await j.close();
      j = await store.open();
      return j;
    };
    const restoredOf = async (portfolioId: string, sinceMs?: number): Promise<PortfolioState | undefined> =>
      (await j.restored(sinceMs)).find((p) => p.portfolioId === portfolioId);

    it('keeps a created portfolio once record resolves, across a close without flush', async () => {
      const entry = created('P1');
      await j.journal.record(entry);
      await reopen();
      const p = await restoredOf('P1');
      expect(p?.portfolioId).toBe('P1');
      expect(book(p)).toEqual(book(entry.state));
    });

    it('keeps what acknowledged changes did: fills, positions, cash, open orders, limits, trading state and sequences', async () => {
      const c = created('P2');
      await j.journal.record(c);
      let state = c.state;
      for (const msg of [
        order('c1'),
        order('c2', { instrument: 'AAA', side: 'sell', qty: 40, orderType: 'limit', limitPrice: 108 }),
        order('c3', { instrument: 'AAA', side: 'sell', qty: 60 }),
        { kind: 'SetLimits', limits: { ...state.limits, maxLeverage: 7 } } as const,
        { kind: 'SetTradingState', state: 'reducing' } as const,
      ] satisfies PortfolioMessage[]) {
        const e = step(state, msg);
        await j.journal.record(e);
        state = e.after;
      }
      expect(state.openOrders.size).toBe(1);
      expect(state.nextFillSeq).toBe(3);
      await reopen();
      expect(book(await restoredOf(c.state.portfolioId))).toEqual(book(state));
    });

    it('keeps a portfolio\'s owner and the reason its trading was halted (SANCTIONS) across a restart', async () => {
      const c = created('P9', 'admin-ann', 'cust-9');
      await j.journal.record(c);
      const halted = step(c.state, { kind: 'SetTradingState', state: 'halted', reason: 'SANCTIONS' }, 'compliance-carl');
      await j.journal.record(halted);
      await reopen();
      const p = await restoredOf('P9');
      expect(p).toMatchObject({ ownerId: 'cust-9', tradingState: 'halted', tradingStateReason: 'SANCTIONS' });
      expect(book(p)).toEqual(book(halted.after));
      // Lifted by hand: the reason follows the state.
      const lifted = step(p!, { kind: 'SetTradingState', state: 'active' }, 'risk-rita');
      await j.journal.record(lifted);
      await reopen();
      expect(await restoredOf('P9')).toMatchObject({ ownerId: 'cust-9', tradingState: 'active', tradingStateReason: 'MANUAL' });
    });

    it('resolves records in the order they were made, and rebuilds the state after the last of a burst', async () => {
      const c = created('P3');
      let state = c.state;
      const entries: JournalEntry[] = [c];
      for (let i = 0; i < 40; i++) {
        const e = step(state, order(`b${i}`, { qty: i + 1 }));
        entries.push(e);
        state = e.after;
      }
      const resolvedOrder: number[] = [];
      await Promise.all(entries.map((e, i) => j.journal.record(e).then(() => resolvedOrder.push(i))));
      expect(resolvedOrder).toEqual(entries.map((_, i) => i));
      await reopen();
      expect(book(await restoredOf(c.state.portfolioId))).toEqual(book(state));
    });

    it('resolves flush once everything recorded before it is durable, and at once when nothing is pending', async () => {
      await expect(j.journal.flush()).resolves.toBeUndefined();
      const ids = Array.from({ length: 12 }, (_, i) => `F${i}`);
      const done = new Set<string>();
      for (const id of ids) void j.journal.record(created(id)).then(() => done.add(id));
      await j.journal.flush();
      expect([...done].sort()).toEqual([...ids].sort());
      await reopen();
      const restored = await j.restored();
      expect(restored.map((p) => p.portfolioId).filter((id) => id.startsWith('F')).sort()).toEqual([...ids].sort());
    });

    it('rebuilds the clientOrderIds of accepted orders, so a copy of an order sent after a restart is answered, not executed again', async () => {
      const c = created('P4');
      await j.journal.record(c);
      const filled = step(c.state, order('once'));
      await j.journal.record(filled);
      const resting = step(filled.after, order('rest', { orderType: 'limit', limitPrice: 46 }));
      await j.journal.record(resting);
      expect(resting.after.openOrders.size).toBe(1);
      await reopen();
      const p = await restoredOf('P4', NOW_MS - 86_400_000);
      for (const [clientOrderId, r] of [['once', {}], ['rest', { orderType: 'limit', limitPrice: 46 }]] as const) {
        const t = handlePortfolioMessage(p!, order(clientOrderId, r), ctx);
        expect(t.events.map((e) => e.type), JSON.stringify(t.events)).toEqual(['OrderResent']);
        expect(t.state.cash).toBe(resting.after.cash);
        expect(t.state.nextOrderSeq).toBe(resting.after.nextOrderSeq);
      }
    });

    it('keeps the counterparty an order names on the resting order across a restart, and a copy naming another one is refused', async () => {
      const c = created('P19');
      await j.journal.record(c);
      const counterparty = { name: 'Nordsee Handels GmbH', country: 'DE' };
      const resting = step(c.state, order('otc', { orderType: 'limit', limitPrice: 46, counterparty }));
      await j.journal.record(resting);
      await reopen();
      const p = await restoredOf('P19', NOW_MS - 86_400_000);
      expect([...p!.openOrders.values()].map((o) => o.counterparty)).toEqual([counterparty]);
      expect(book(p)).toEqual(book(resting.after));
      const other = handlePortfolioMessage(p!, order('otc', { orderType: 'limit', limitPrice: 46, counterparty: { name: 'Other AG', country: 'DE' } }), ctx);
      expect(other.events).toMatchObject([{ type: 'OrderRejected', code: 'DUPLICATE_CLIENT_ORDER_ID', reason: expect.stringMatching(/counterparty/) }]);
    });

    it('audits every change in order with who made it, a band change included (which stores nothing else), in a chain that verifies across a reopen', async () => {
      const c = created('P5');
      await j.journal.record(c);
      const filled = step(c.state, order('a1'));
      await j.journal.record(filled);
      await j.journal.record({ kind: 'bandChanged', symbol: 'BAND', before: 0.2, after: 0.3, released: { price: 130, ts: NOW_MS }, by: 'risk-rita' });
      await reopen();
      expect(book(await restoredOf('P5'))).toEqual(book(filled.after));
      await j.journal.record(step(filled.after, { kind: 'SetTradingState', state: 'halted' }, 'risk-rita'));
      const audit = await j.audit();
      expect(audit.verified).toBe(true);
      expect(audit.records.filter((r) => r.entityId.startsWith('P5') || r.entityId === 'BAND').map(({ action, actor }) => ({ action, actor }))).toEqual([
        { action: 'portfolio.created', actor: 'admin-ann' },
        { action: 'order.accepted', actor: 'trader-tom' },
        { action: 'fill', actor: 'engine' },
        { action: 'position.changed', actor: 'engine' },
        { action: 'market.band.changed', actor: 'risk-rita' },
        { action: 'trading_state.changed', actor: 'risk-rita' },
      ]);
    });

    it('records a security event (kind audited) as its audit record alone, chained with the rest, through the journal as an AuditSink', async () => {
      const audit = journalAuditSink(j.journal);
      await audit({ actor: 'admin-ann', action: 'user.roles.changed', entityType: 'user', entityId: 'u-7', before: { roles: ['trader'] }, after: { roles: ['trader', 'risk_manager'], note: undefined } });
      await j.journal.record(created('P8'));
      await reopen();
      const audit2 = await j.audit();
      expect(audit2.verified).toBe(true);
      expect(audit2.records.filter((r) => r.entityId === 'u-7' || r.entityId === 'P8').map(({ actor, action, entityId }) => ({ actor, action, entityId }))).toEqual([
        { actor: 'admin-ann', action: 'user.roles.changed', entityId: 'u-7' },
        { actor: 'admin-ann', action: 'portfolio.created', entityId: 'P8' },
      ]);
      expect(await restoredOf('u-7')).toBeUndefined(); // nothing but the record
    });

    // Only where the store can be taken away from a test (capabilities, as in BullMQ's conformance suite).
    if (capabilities.interruptible) it('never rejects a record: one made while the store is away resolves once it is back, and is durable', async () => {
      const cut = store.interruption;
      if (!cut) throw new Error(`${name} says it is interruptible but its store has no interruption`);
      await j.journal.record(created('P6'));
      await cut.cut();
      let resolved = false;
      const pending = j.journal.record(created('P7')).then(() => { resolved = true; });
      await new Promise((r) => setTimeout(r, 500));
      expect(resolved).toBe(false);
      await cut.restore();
      await pending;
      await reopen();
      const restored = await j.restored();
      expect(restored.map((p) => p.portfolioId).filter((id) => id === 'P6' || id === 'P7').sort()).toEqual(['P6', 'P7']);
    });
  });
}
