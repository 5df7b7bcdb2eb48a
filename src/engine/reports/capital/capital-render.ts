/**
 * The capital document as canonical JSON, or as CSV of its steps: one row per quantity, in the
 * order the arithmetic takes them, with the formula each applies (an auditor can redo it in a
 * spreadsheet), then the daily figures the averages are taken over.
 */
import { type Json, canonicalJson } from '../risk-common/canonical-json.js';
import type { CapitalDocument } from './capital-document.js';

export function capitalJson(doc: CapitalDocument): string {
  return `${canonicalJson(doc as unknown as Json)}\n`;
}

const cell = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function capitalCsv(doc: CapitalDocument): string {
  const c = doc.charge;
  const h = c.horizonDays;
  const rows: (string | number)[][] = [['step', 'quantity', 'value', 'formula']];
  const add = (step: string, q: string, v: string | number, f = ''): void => { rows.push([step, q, v, f]); };
  add('0', 'report date', doc.reportDate);
  add('0', 'valuation date (t)', doc.valuationDate, 'last common trading date <= report date');
  add('0', 'portfolios', doc.book.portfolios.join(' '));
  add('0', 'positions', doc.book.positions);
  add('0', 'VaR confidence', doc.method.confidence);
  add('0', 'VaR window (daily returns)', doc.method.window);
  add('0', 'history', `${doc.history.firstDate} .. ${doc.valuationDate} (${doc.history.days} dates)`);
  add('1', 'horizon days', h);
  add('1', 'scaling', c.scaling, `sqrt(${h})`);
  add('2', 'VaR1(t)', c.var.latest1Day, '1-day 99% historical VaR of the book at t');
  add('2', `VaR${h}(t)`, c.var.latest, `sqrt(${h}) x VaR1(t)`);
  add('2', `avg${c.var.averageDays} VaR${h}`, c.var.average, `mean of sqrt(${h}) x VaR1(d) over the last ${c.var.averageDays} days`);
  add('3', 'stressed period', `${doc.stressedPeriod.firstReturnDate} .. ${doc.stressedPeriod.lastReturnDate}`, `worst ${doc.method.window}-return window of ${doc.stressedPeriod.windowsSearched} searched`);
  add('3', 'sVaR1(t)', c.stressedVar.latest1Day, '1-day 99% VaR of the book at t under the stressed returns');
  add('3', `sVaR${h}(t)`, c.stressedVar.latest, `sqrt(${h}) x sVaR1(t)`);
  add('3', `avg${c.stressedVar.averageDays} sVaR${h}`, c.stressedVar.average, `mean of sqrt(${h}) x sVaR1(d) over the last ${c.stressedVar.averageDays} days`);
  add('4', 'backtest days', c.backtestDays);
  add('4', 'exceptions', c.exceptions);
  add('4', 'zone', c.zone);
  add('4', 'plus factor k', c.plusFactor, '0-4: 0; 5: 0.40; 6: 0.50; 7: 0.65; 8: 0.75; 9: 0.85; 10+: 1.00');
  add('4', 'multiplier m', c.multiplier, '3 + k');
  add('5', `m x avg VaR${h}`, c.var.multipliedAverage, 'm x avg');
  add('5', 'VaR term', c.var.term, `max(VaR${h}(t), m x avg) = ${c.var.binding}`);
  add('6', `m x avg sVaR${h}`, c.stressedVar.multipliedAverage, 'm x avg');
  add('6', 'sVaR term', c.stressedVar.term, `max(sVaR${h}(t), m x avg) = ${c.stressedVar.binding}`);
  add('7', 'capital', c.capital, 'VaR term + sVaR term');
  rows.push([]);
  rows.push(['date', 'VaR1', `VaR${h}`, 'sVaR1', `sVaR${h}`]);
  c.var.daily.forEach((d, i) => {
    const s = c.stressedVar.daily[i] as (typeof c.stressedVar.daily)[number];
    rows.push([d.date, d.var1Day, d.scaled, s.var1Day, s.scaled]);
  });
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
