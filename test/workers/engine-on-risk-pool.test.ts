/**
 * The engine's rule of at most one recalculation per portfolio in flight, on the real piscina risk
 * pool (compiled worker: `npm run build` first). These stay on the pool, while the other engine
 * tests use the in-process calculator, because what they test needs its concurrency: several
 * batches computing at once on threads, and results that come back after later ticks (a
 * same-thread calculator answers within microtasks, before a tick could overlap a retry).
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/runtime/engine-api.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { CALL_AAA, engineStarter, nextRisk, scenarios, settle, TICKERS, until } from '../engine/runtime/engine-harness.js';
import { InstrumentedCalculator } from '../engine/runtime/instrumented-calculator.js';

const startEngine = engineStarter();


describe('engine on the risk pool: at most one recalculation per portfolio in flight', () => {
  it('keeps at most one recalculation per portfolio in flight: risk seq rises by one per update, never repeated', async () => {
    // Small batches and two threads × two tasks: several batches run at once, so a portfolio
    // dirtied again while its batch is out would be sent twice if the engine allowed it.
    const observer = new InstrumentedCalculator(createRiskPool({ threads: 2, tasksPerThread: 2, scenarios: scenarios() }));
    const engine = startEngine(observer, 2);
    const ids = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5'];
    for (const [k, id] of ids.entries()) {
      const positions = [
        { instrument: TICKERS[k % 3]!, qty: 100 + k },
        { instrument: TICKERS[(k + 1) % 3]!, qty: -(50 + k) },
        { instrument: CALL_AAA, qty: k + 1, vol: 0.2 + 0.01 * k },
      ];
      expect((await engine.createPortfolio({ portfolioId: id, cash: 1_000_000, positions }, 'test')).ok).toBe(true);
    }
    const seqs = new Map<string, number[]>(ids.map((id) => [id, []]));
    const tickTsSeen = new Map<string, number[]>(ids.map((id) => [id, []]));
    engine.onEvent((e: EngineEvent) => {
      if (e.type !== 'risk') return;
      seqs.get(e.portfolioId)?.push(e.risk.seq);
      tickTsSeen.get(e.portfolioId)?.push(e.risk.tickTs);
    });

    let ts = 0;
    const lastTsOf = new Map<string, number>();
    for (let round = 0; round < 150; round++) {
      for (let j = 0; j < 30; j++) {
        const symbol = TICKERS[j % 3]!;
        engine.tick(symbol, 100 + ((round * 30 + j) % 97) * 0.1, ++ts);
        lastTsOf.set(symbol, ts);
      }
      // Let some results come back between bursts, so new ticks meet recalculations in flight.
      await new Promise((r) => setImmediate(r));
    }
    // A portfolio's figures end at the newest tick of an underlying it holds.
    const held = (id: string) => [...new Set(engine.getPortfolio(id)!.holdings.map((h) => h.instrument.kind === 'option' ? h.instrument.underlying : h.instrument.symbol))];
    const lastTsFor = new Map(ids.map((id) => [id, Math.max(...held(id).map((u) => lastTsOf.get(u)!))]));
    await Promise.all(ids.map((id) => {
      const want = lastTsFor.get(id)!;
      return engine.getRisk(id)?.tickTs === want ? Promise.resolve() : nextRisk(engine, id, (r) => r.tickTs === want);
    }));
    await settle(20);

    expect(observer.maxBatchesInFlight).toBeGreaterThan(1);
    expect(observer.maxPerPortfolio).toBe(1);
    for (const id of ids) {
      const s = seqs.get(id)!;
      expect(s.length).toBeGreaterThan(1);
      expect(s).toEqual(Array.from({ length: s.length }, (_, i) => i + 1));
      const t = tickTsSeen.get(id)!;
      for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
      expect(engine.getRisk(id)).toMatchObject({ seq: s.length, tickTs: lastTsFor.get(id) });
    }
    // Far fewer recalculations than ticks × portfolios: the rest were coalesced.
    const st = engine.stats();
    expect(st.recalculations).toBe([...seqs.values()].reduce((a, s) => a + s.length, 0));
    expect(st.recalculations).toBeLessThan(st.ticks * ids.length);
    expect(st.coalesced).toBeGreaterThan(0);
  });

  // Regression test: a failed batch once released its portfolios before their one-by-one retries
  // settled, so a new tick could start a second recalculation and a stale retry could land last.
  it('never has two recalculations of one portfolio in flight after a failed batch, so a stale retry cannot overwrite newer risk', async () => {
    const f = new InstrumentedCalculator(createRiskPool({ threads: 2, scenarios: scenarios(5, ['AAA']) }));
    const engine = startEngine(f);
    for (const id of ['A', 'BAD']) await engine.createPortfolio({ portfolioId: id, cash: 1e6, positions: [{ instrument: 'AAA', qty: 100 }, { instrument: 'AAA   260320C00100000', qty: 50, vol: 0.25 }] }, 't');
    engine.tick('AAA', 100, 1);
    // Wait for the first figures of both (worker start-up can take a while on a loaded machine).
    expect(await until(() => engine.getRisk('A') !== undefined && engine.getRisk('BAD') !== undefined)).toBe(true);
    f.failing = true;
    const seen: number[] = [];
    engine.onEvent((e) => { if (e.type === 'risk' && e.portfolioId === 'A') seen.push(e.risk.tickTs); });
    let stale = 0;
    for (let k = 0; k < 50; k++) {
      const t = 10 + 2 * k;
      engine.tick('AAA', 100 + (k % 7), t);
      for (let i = 0; i < 10; i++) await Promise.resolve();
      engine.tick('AAA', 101 + (k % 7), t + 1);
      // A's figures reach the newest tick and stay there once nothing is in flight any more.
      const reached = await until(() => engine.getRisk('A')?.tickTs === t + 1 && (f.inFlight.get('A') ?? 0) === 0);
      await new Promise((r) => setTimeout(r, 5));
      if (!reached || engine.getRisk('A')?.tickTs !== t + 1) stale++;
    }
    // Risk updates of A never step back to an older tick.
    expect(seen.filter((x, i) => i > 0 && x < seen[i - 1]!)).toEqual([]);
    expect(f.maxInFlight.get('A')).toBe(1);
    expect(stale).toBe(0);
  });
});
