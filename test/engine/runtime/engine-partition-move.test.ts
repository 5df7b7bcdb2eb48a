/**
 * A partition moving to another engine, seen from the engine (docs/SCALE-OUT.md): portfolios
 * released leave it at once (no answers, ticks or figures for them here), what waited for them is
 * answered PARTITION_MOVING without an acknowledgement, and portfolios adopted back are whole.
 * The journal here is a minimal implementation of the port that refuses entries of portfolios it
 * was told are no longer owned, as the PostgreSQL journal does for a fenced partition
 * (test/persistence/fenced-journal.test.ts proves that side).
 */
import { describe, expect, it } from 'vitest';
import type { PortfolioState } from '../../../src/engine/actors/types.js';
import type { EventJournal, JournalEntry } from '../../../src/engine/runtime/journal-port.js';
import { PartitionMovedError } from '../../../src/engine/cluster/partition-moved-error.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';
import { START_MS, scenarios, until } from './engine-harness.js';

class MovingJournal implements EventJournal {
  readonly entries: JournalEntry[] = [];
  readonly gone = new Set<string>();
  /** Commits wait for release() while held (a commit in flight when the partition moves). */
  held: (() => void)[] | undefined;

  record(entry: JournalEntry): Promise<void> {
    const id = entry.kind === 'created' ? entry.state.portfolioId : entry.kind === 'changed' ? entry.after.portfolioId : undefined;
    const settle = (): Promise<void> => {
      if (id !== undefined && this.gone.has(id)) return Promise.reject(new PartitionMovedError(0));
      this.entries.push(entry);
      return Promise.resolve();
    };
    if (this.held) return new Promise<void>((r) => this.held?.push(r)).then(settle);
    return settle();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

function engineWith(journal: EventJournal): Engine {
  return new Engine({
    calculator: new InProcessRiskCalculator({ scenarios: scenarios() }), clock: { nowMs: () => START_MS }, rate: 0.04,
    tickGuard: { maxSkewMs: Infinity }, journal, sweep: false,
  });
}

const order = (clientOrderId: string) => ({ clientOrderId, instrument: 'AAA', side: 'buy' as const, qty: 1, orderType: 'limit' as const, limitPrice: 95 });

describe('Engine adopt and release (a partition moving)', () => {
  it('a released portfolio is gone at once: not listed, not found, its orders answered UNKNOWN_PORTFOLIO', async () => {
    const engine = engineWith(new MovingJournal());
    await engine.createPortfolio({ portfolioId: 'p1', cash: 1000, positions: [{ instrument: 'AAA', qty: 10 }] }, 'test');
    engine.release(['p1']);
    expect(engine.hasPortfolio('p1')).toBe(false);
    expect(engine.listPortfolioIds()).toEqual([]);
    const out = await engine.submitOrder('p1', order('c1'), 'test');
    expect(out).toMatchObject({ ok: false, code: 'UNKNOWN_PORTFOLIO' });
    await engine.close();
  });

  it('a change whose commit the journal refuses (partition moved) is answered PARTITION_MOVING and never acknowledged', async () => {
    const journal = new MovingJournal();
    const engine = engineWith(journal);
    await engine.createPortfolio({ portfolioId: 'p1', cash: 1000 }, 'test');
    engine.tick('AAA', 100, 1);
    journal.held = [];
    const pending = engine.submitOrder('p1', order('c1'), 'test');
    await until(() => (journal.held?.length ?? 0) > 0);
    journal.gone.add('p1');
    engine.release(['p1']);
    for (const r of journal.held.splice(0)) r();
    journal.held = undefined;
    expect(await pending).toMatchObject({ ok: false, kind: 'reject', code: 'PARTITION_MOVING', clientOrderId: 'c1' });
    expect(journal.entries.filter((e) => e.kind === 'changed')).toHaveLength(0);
    await engine.close();
  });

  it('a message still in the mailbox when the portfolio is released is answered PARTITION_MOVING', async () => {
    const journal = new MovingJournal();
    const engine = engineWith(journal);
    await engine.createPortfolio({ portfolioId: 'p1', cash: 1000 }, 'test');
    engine.tick('AAA', 100, 1);
    journal.held = [];
    const first = engine.submitOrder('p1', order('c1'), 'test');
    const second = engine.setLimits('p1', { maxLeverage: 3 }, 'test');
    engine.release(['p1']);
    journal.gone.add('p1');
    for (const r of journal.held.splice(0)) r();
    journal.held = undefined;
    expect(await first).toMatchObject({ ok: false, code: 'PARTITION_MOVING' });
    expect(await second).toMatchObject({ ok: false, code: 'PARTITION_MOVING' });
    await engine.close();
  });

  it('creating a portfolio of a partition not owned here creates nothing and answers PARTITION_MOVING', async () => {
    const journal = new MovingJournal();
    journal.gone.add('elsewhere');
    const engine = engineWith(journal);
    const r = await engine.createPortfolio({ portfolioId: 'elsewhere', cash: 5 }, 'test');
    expect(r).toMatchObject({ ok: false, code: 'PARTITION_MOVING' });
    expect(engine.hasPortfolio('elsewhere')).toBe(false);
    await engine.close();
  });

  it('a portfolio adopted back (rebuilt state) is hosted again: ticks reach it, its figures come, orders are taken', async () => {
    const journal = new MovingJournal();
    const engine = engineWith(journal);
    await engine.createPortfolio({ portfolioId: 'p1', cash: 1000, positions: [{ instrument: 'AAA', qty: 10 }] }, 'test');
    const state = journal.entries.find((e) => e.kind === 'created')?.state as PortfolioState;
    engine.release(['p1']);
    engine.tick('AAA', 100, 1);
    expect(engine.getRisk('p1')).toBeUndefined();
    engine.adopt([state]);
    engine.tick('AAA', 101, 2);
    expect(await until(() => engine.getRisk('p1')?.tickTs === 2)).toBe(true);
    expect(engine.getPortfolio('p1')?.holdings.map((h) => h.qty)).toEqual([10]);
    const ack = await engine.submitOrder('p1', order('c2'), 'test');
    expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, kind: 'ack' });
    await engine.close();
  });
});
