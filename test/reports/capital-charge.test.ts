import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/risk/backtest.js';
import { computeVar } from '../../src/engine/risk/compute-var.js';
import { capitalCharge, plusFactor } from '../../src/engine/reports/capital/capital-charge.js';
import { buildCapitalDocument } from '../../src/engine/reports/capital/capital-document.js';
import { capitalCsv, capitalJson } from '../../src/engine/reports/capital/capital-render.js';
import { marketOf } from '../../src/engine/reports/risk-common/book-of-day.js';
import { scenarioBook } from './risk-book-fixture.js';

const days = (n: number): string[] => Array.from({ length: n }, (_, i) => `2011-07-${String(i + 1).padStart(2, '0')}`);

describe('Basel 2.5 capital arithmetic', () => {
  it('takes the plus factor from the exception count: green 0, the yellow table, red 1', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17].map(plusFactor)).toEqual([0, 0, 0, 0, 0, 0.4, 0.5, 0.65, 0.75, 0.85, 1, 1]);
  });

  it('computes a small yellow-zone case that a hand computation confirms step by step', () => {
    // Three days of 1-day VaR (100, 110, 120) and stressed VaR (300, 330, 360); 7 exceptions → yellow, k = 0.65, m = 3.65.
    const c = capitalCharge({
      horizonDays: 10,
      var1: { dates: days(3), values: [100, 110, 120] },
      svar1: { dates: days(3), values: [300, 330, 360] },
      backtest: { days: 250, exceptions: 7, zone: 'yellow' },
    });
    // √10 = 3.1622776601683795.
    // VaR10(t) = 3.16227766 × 120 = 379.4733192; mean VaR10 = 3.16227766 × 110 = 347.8505426;
    // m × mean = 3.65 × 347.8505426 = 1269.654481 > 379.47 → the average binds.
    // sVaR10(t) = 3.16227766 × 360 = 1138.419958; mean = 3.16227766 × 330 = 1043.551628; m × mean = 3808.963441.
    // capital = 1269.654481 + 3808.963441 = 5078.617922.
    expect(c.scaling).toBeCloseTo(3.16227766, 8);
    expect([c.exceptions, c.zone, c.plusFactor, c.multiplier]).toEqual([7, 'yellow', 0.65, 3.65]);
    expect(c.var.latest).toBeCloseTo(379.4733192, 6);
    expect(c.var.average).toBeCloseTo(347.8505426, 6);
    expect(c.var.multipliedAverage).toBeCloseTo(1269.654481, 5);
    expect([c.var.term, c.var.binding]).toEqual([c.var.multipliedAverage, 'average']);
    expect(c.stressedVar.latest).toBeCloseTo(1138.419958, 5);
    expect(c.stressedVar.average).toBeCloseTo(1043.551628, 5);
    expect(c.stressedVar.term).toBeCloseTo(3808.963441, 5);
    expect(c.capital).toBeCloseTo(5078.617922, 5);
    expect(c.var.daily.map((d) => d.var1Day)).toEqual([100, 110, 120]);
  });

  it("lets today's VaR bind when it exceeds the multiplied average", () => {
    // Green zone, m = 3; m × a mean is at least the mean, so the latest binds only when it is far above the average.
    const d = capitalCharge({ horizonDays: 10, var1: { dates: days(4), values: [1, 1, 1, 1000] }, svar1: { dates: days(4), values: [1, 1, 1, 1] }, backtest: { days: 250, exceptions: 0, zone: 'green' } });
    // mean (1003/4 = 250.75) × 3 = 752.25 < 1000 → the latest binds: term = √10 × 1000.
    expect(d.var.binding).toBe('latest');
    expect(d.var.term).toBeCloseTo(3162.2776601683795, 9);
    expect(d.capital).toBeCloseTo(Math.sqrt(10) * 1000 + 3 * Math.sqrt(10) * 1, 9);
  });
});

describe('capital of a SPY/AAPL book on 2011-09-30', () => {
  const book = scenarioBook();
  const r = buildCapitalDocument(book);
  if (!r.ok) throw new Error(r.message);
  const doc = r.value;
  const market = marketOf(book);
  const positions = book.lines.map((l) => l.position);

  it("uses the engine's 1-day 99% historical VaR of the valuation date as VaR1(t)", () => {
    const v = computeVar({ positions, market, histories: book.histories, method: 'historical', confidence: 0.99, esConfidence: 0.975, window: 250, horizonDays: 1 });
    if (!v.ok) throw new Error(v.message);
    expect(doc.charge.var.latest1Day).toBeCloseTo(v.value.var, 6);
    expect(doc.charge.var.daily).toHaveLength(60);
    expect(doc.charge.var.daily.at(-1)!.date).toBe('2011-09-30');
  });

  it('takes the plus factor from the 250-day backtest (5 exceptions, yellow, k = 0.40, m = 3.40)', () => {
    const b = runBacktest({ positions, market, histories: book.histories, confidence: 0.99, window: 250, days: 250 });
    if (!b.ok) throw new Error(b.message);
    expect([doc.charge.exceptions, doc.charge.zone]).toEqual([b.value.exceptions, b.value.zone]);
    expect([doc.charge.exceptions, doc.charge.plusFactor, doc.charge.multiplier]).toEqual([5, 0.4, 3.4]);
  });

  it('finds the stressed year in 2008, searching the whole history on file, and its VaR exceeds the current one', () => {
    expect(doc.stressedPeriod.lastReturnDate >= '2008-09-01' && doc.stressedPeriod.firstReturnDate <= '2009-03-31').toBe(true);
    expect(doc.stressedPeriod.windowsSearched).toBe(doc.history.days - 250);
    expect(doc.history.firstDate).toBe('1999-11-01');
    expect(doc.charge.stressedVar.latest1Day).toBeGreaterThan(doc.charge.var.latest1Day);
    expect(doc.charge.stressedVar.latest1Day).toBeCloseTo(doc.stressedPeriod.var1DayAtSpots, 6);
  });

  it('adds the two terms as the rule says, each from its inputs', () => {
    const c = doc.charge;
    const mean = (xs: readonly { scaled: number }[]) => xs.reduce((a, x) => a + x.scaled, 0) / xs.length;
    expect(c.var.average).toBeCloseTo(mean(c.var.daily), 9);
    expect(c.var.term).toBe(Math.max(c.var.latest, 3.4 * c.var.average));
    expect(c.stressedVar.term).toBe(Math.max(c.stressedVar.latest, 3.4 * c.stressedVar.average));
    expect(c.capital).toBe(c.var.term + c.stressedVar.term);
    for (const d of c.var.daily) expect(d.scaled).toBe(Math.sqrt(10) * d.var1Day);
  });

  it('renders the same JSON and CSV bytes twice, the CSV listing every step', () => {
    const again = buildCapitalDocument(scenarioBook());
    if (!again.ok) throw new Error(again.message);
    expect(capitalJson(again.value) === capitalJson(doc)).toBe(true);
    const csv = capitalCsv(doc);
    expect(capitalCsv(again.value) === csv).toBe(true);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('step,quantity,value,formula');
    expect(lines).toContain(`7,capital,${doc.charge.capital},VaR term + sVaR term`);
    expect(lines).toContain('4,multiplier m,3.4,3 + k');
    expect(lines.filter((l) => /^\d{4}-\d\d-\d\d,/.test(l))).toHaveLength(60);
  });
});
