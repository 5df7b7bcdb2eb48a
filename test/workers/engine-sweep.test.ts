/**
 * The engine on the risk pool's sweep (the default with the pool; compiled worker: `npm run build`
 * first): the figures of the batch path, risk events only for watched portfolios (the rest read on
 * demand), limits changes valued again, and a worker that dies losing no book.
 */
import { describe, expect, it } from 'vitest';
import type { EngineApi, EngineEvent } from '../../src/engine/runtime/engine-api.js';
import { InProcessRiskCalculator } from '../../src/engine/risk/in-process-calculator.js';
import { createRiskPool, type RiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { CALL_AAA, engineStarter, scenarios, TICKERS, until } from '../engine/runtime/engine-harness.js';

const startEngine = engineStarter();
const IDS = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5'];

async function createBooks(engine: EngineApi): Promise<void> {
  for (const [k, id] of IDS.entries()) {
    const positions = [
      { instrument: TICKERS[k % 3]!, qty: 100 + k },
      { instrument: TICKERS[(k + 1) % 3]!, qty: -(50 + k) },
      { instrument: CALL_AAA, qty: k + 1, vol: 0.2 + 0.01 * k },
    ];
    expect((await engine.createPortfolio({ portfolioId: id, cash: 1_000_000, positions }, 'test')).ok).toBe(true);
  }
}

/** Ticks on every underlying; returns the ts of the last one (CCC's). */
function tickAll(engine: EngineApi, round: number, ts: number): number {
  for (const [j, symbol] of TICKERS.entries()) engine.tick(symbol, 100 + ((round * 7 + j) % 13) * 0.25, ++ts);
  return ts;
}

/** The newest tick a portfolio's figures can include after tickAll returned `ts`: that of the last of its underlyings to tick. */
function newestFor(id: string, ts: number): number {
  const k = IDS.indexOf(id);
  const held = new Set([0, k % 3, (k + 1) % 3]); // AAA (the call), and its two stocks
  return ts - (TICKERS.length - 1 - Math.max(...held));
}

const reached = (engine: EngineApi, ts: number) => () => IDS.every((id) => engine.getRisk(id)?.tickTs === newestFor(id, ts));

describe('engine on the risk sweep', () => {
  it('gives every portfolio the figures of the batch path at the newest spots', async () => {
    const pool = createRiskPool({ threads: 2, scenarios: scenarios() });
    const swept = startEngine(pool);
    const batched = startEngine(new InProcessRiskCalculator({ scenarios: scenarios() }));
    for (const e of [swept, batched]) await createBooks(e);
    let ts = 0;
    for (let round = 0; round < 20; round++) {
      const last = tickAll(swept, round, ts);
      tickAll(batched, round, ts);
      ts = last;
    }
    expect(await until(reached(swept, ts), 10_000)).toBe(true);
    expect(await until(reached(batched, ts), 10_000)).toBe(true);
    for (const id of IDS) {
      const a = swept.getRisk(id)!, b = batched.getRisk(id)!;
      expect({ greeks: a.greeks, byUnderlying: a.byUnderlying, marketValue: a.marketValue, pnl: a.pnl, margin: a.margin.requirement })
        .toEqual({ greeks: b.greeks, byUnderlying: b.byUnderlying, marketValue: b.marketValue, pnl: b.pnl, margin: b.margin.requirement });
      // The pool revalues only what a tick moved (its loss sum updated by differences): VaR and ES
      // agree with the in-process full pass to rounding.
      expect(Math.abs(a.var.value - b.var.value)).toBeLessThanOrEqual(1e-12 * Math.abs(b.var.value));
      expect(Math.abs(a.var.es - b.var.es)).toBeLessThanOrEqual(1e-12 * Math.abs(b.var.es));
    }
    expect(pool.stats().sweep).toMatchObject({ shards: 2, restarts: 0, failed: 0 });
  });

  it('pushes risk events for watched portfolios only, each newer than the last, and reads the others when asked', async () => {
    const engine = startEngine(createRiskPool({ threads: 2, scenarios: scenarios() }));
    await createBooks(engine);
    engine.watchRisk('P1', 1);
    const seqs = new Map<string, number[]>();
    engine.onEvent((e: EngineEvent) => {
      if (e.type === 'risk') seqs.set(e.portfolioId, [...(seqs.get(e.portfolioId) ?? []), e.risk.seq]);
    });
    // Workers take a while to start on a loaded machine: wait for the first figures.
    let ts = tickAll(engine, 0, 0);
    expect(await until(reached(engine, ts), 10_000)).toBe(true);
    for (let round = 1; round < 30; round++) {
      ts = tickAll(engine, round, ts);
      await new Promise((r) => setTimeout(r, 5)); // results land between rounds (no reads here: a read takes them first)
    }
    expect(await until(() => seqs.get('P1')?.length !== undefined && engine.getRisk('P1')?.tickTs === newestFor('P1', ts), 10_000)).toBe(true);
    expect([...seqs.keys()]).toEqual(['P1']);
    // Strictly rising (a read between two pushes takes a seq of its own: no repeat, no step back).
    const s = seqs.get('P1')!;
    expect(s.length).toBeGreaterThan(1);
    expect(s.filter((x, i) => i > 0 && x <= s[i - 1]!)).toEqual([]);
    // Not pushed, but read on demand at the newest tick.
    expect(await until(reached(engine, ts), 10_000)).toBe(true);
    expect(engine.stats().recalculations).toBeGreaterThan(s.length);
    // Unwatched: no more events.
    engine.watchRisk('P1', -1);
    const before = s.length;
    ts = tickAll(engine, 99, ts);
    expect(await until(reached(engine, ts), 10_000)).toBe(true);
    expect(seqs.get('P1')!.length).toBe(before);
  });

  it('values a portfolio again when its limits change, so breaches follow at once', async () => {
    const engine = startEngine(createRiskPool({ threads: 1, scenarios: scenarios() }));
    await createBooks(engine);
    engine.watchRisk('P0', 1);
    const ts = tickAll(engine, 0, 0);
    expect(await until(() => engine.getRisk('P0')?.tickTs === newestFor('P0', ts), 10_000)).toBe(true);
    const varNow = engine.getRisk('P0')!.var.value;
    const seq = engine.getRisk('P0')!.seq;
    expect((await engine.setLimits('P0', { maxVar: varNow / 2 }, 'risk')).ok).toBe(true);
    expect(await until(() => (engine.getRisk('P0')?.seq ?? 0) > seq, 10_000)).toBe(true);
    expect(engine.getRisk('P0')!.breaches.map((b) => b.code)).toContain('VAR_LIMIT');
  });

  it('loses no book when a worker dies: its shard is taken over and every portfolio reaches the newest tick', async () => {
    const pool: RiskPool = createRiskPool({ threads: 2, scenarios: scenarios() });
    const engine = startEngine(pool);
    await createBooks(engine);
    IDS.forEach((id) => engine.watchRisk(id, 1));
    let ts = tickAll(engine, 0, 0);
    expect(await until(reached(engine, ts), 10_000)).toBe(true);
    expect(pool.sweepThreads()).toHaveLength(2);
    await pool.sweepThreads()[0]!.terminate();
    for (let round = 1; round < 10; round++) {
      ts = tickAll(engine, round, ts);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await until(reached(engine, ts), 10_000)).toBe(true);
    expect(pool.stats().sweep).toMatchObject({ restarts: 1, failed: 0 });
    expect(await until(() => pool.sweepThreads().length === 2, 5_000)).toBe(true);
  });
});
