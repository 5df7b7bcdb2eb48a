/**
 * The risk manager's grid: one row per covered portfolio (Greeks, P&L, VaR with its sparkline,
 * margin, leverage, breaches) and, below it, the Greeks by underlying of the selected portfolio.
 * Rows are built once; a repaint writes only the text of cells whose value changed.
 */
import { el, setText, svg } from './dom';
import { ageMs, num, ratio } from './format';
import type { RiskOut } from '../../../src/client/index.js';
import { Series } from './sparkline';

const SPARK_W = 96;
const SPARK_H = 22;
/** VaR points kept per portfolio: one per repaint in which the portfolio changed. */
const SPARK_POINTS = 60;

type Field = 'delta' | 'gamma' | 'vega' | 'theta' | 'pnl' | 'var' | 'margin' | 'leverage' | 'breaches' | 'age';
const FIELDS: readonly Field[] = ['delta', 'gamma', 'vega', 'theta', 'pnl', 'var', 'margin', 'leverage', 'breaches', 'age'];
/** Which cell a breach code lights up. */
const BREACH_CELL: Readonly<Record<string, Field>> = {
  GREEK_LIMIT_DELTA: 'delta', GREEK_LIMIT_GAMMA: 'gamma', GREEK_LIMIT_VEGA: 'vega', VAR_LIMIT: 'var', LEVERAGE_LIMIT: 'leverage',
};

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly cells: Record<Field, HTMLTableCellElement>;
  readonly line: SVGPolylineElement;
  readonly series: Series;
  frame: RiskOut | undefined;
}

export class RiskGrid {
  private readonly rows = new Map<string, Row>();
  private selected: string | undefined;
  private detailDrawnSeq = -1;

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly detailBody: HTMLTableSectionElement,
    private readonly detailName: HTMLElement,
    private readonly count: HTMLElement,
  ) {}

  /** Rows for portfolios known before any frame (GET /risk/portfolio), in id order. */
  ensure(portfolioId: string): Row {
    let row = this.rows.get(portfolioId);
    if (row !== undefined) return row;
    const tr = el('tr', { 'data-portfolio': portfolioId });
    tr.append(el('th', { scope: 'row' }, portfolioId));
    const cells = {} as Record<Field, HTMLTableCellElement>;
    const line = svg('polyline', { fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5', points: '' });
    for (const f of FIELDS) {
      const td = el('td', { 'data-field': f }, '—');
      cells[f] = td;
      tr.append(td);
      if (f === 'var') {
        const spark = el('td', { class: 'spark', 'data-field': 'var-trend' });
        const box = svg('svg', { width: String(SPARK_W), height: String(SPARK_H), viewBox: `0 0 ${SPARK_W} ${SPARK_H}`, role: 'img', 'aria-label': `VaR of ${portfolioId}` });
        box.append(line);
        spark.append(box);
        tr.append(spark);
      }
    }
    tr.addEventListener('click', () => this.select(portfolioId));
    row = { tr, cells, line, series: new Series(SPARK_POINTS), frame: undefined };
    this.rows.set(portfolioId, row);
    // Keep the rows in id order: insert before the first row whose id sorts after this one.
    const after = [...this.rows.keys()].filter((k) => k > portfolioId).sort()[0];
    const before = after === undefined ? null : (this.rows.get(after)?.tr ?? null);
    this.body.insertBefore(tr, before);
    if (this.selected === undefined) this.select(portfolioId);
    setText(this.count, `(${this.rows.size})`);
    return row;
  }

  /** The latest frame of each portfolio that changed since the last repaint. */
  paint(latest: ReadonlyMap<string, RiskOut>, nowMs: number): void {
    for (const [id, f] of latest) {
      const row = this.ensure(id);
      if (row.frame !== undefined && row.frame.seq >= f.seq) continue;
      row.frame = f;
      this.fill(row, f, nowMs);
    }
    if (this.selected !== undefined && latest.has(this.selected)) this.paintDetail();
  }

  /** The age of every row's newest frame (once a second, so a stalled portfolio shows it). */
  paintAges(nowMs: number): void {
    for (const row of this.rows.values()) if (row.frame !== undefined) setText(row.cells.age, ageMs(nowMs - row.frame.computedMs));
  }

  private fill(row: Row, f: RiskOut, nowMs: number): void {
    const c = row.cells;
    setText(c.delta, num(f.greeks.delta));
    setText(c.gamma, num(f.greeks.gamma));
    setText(c.vega, num(f.greeks.vega));
    setText(c.theta, num(f.greeks.theta));
    setText(c.pnl, num(f.pnl.total));
    c.pnl.className = f.pnl.total < 0 ? 'neg' : 'pos';
    setText(c.var, num(f.var.value));
    c.var.title = `${Math.round(f.var.confidence * 100)}% 1-day ${f.var.method}; ES ${num(f.var.es)}`;
    setText(c.margin, num(f.margin.requirement));
    setText(c.leverage, ratio(f.leverage));
    setText(c.age, ageMs(nowMs - f.computedMs));
    row.series.push(f.var.value);
    row.line.setAttribute('points', row.series.points(SPARK_W, SPARK_H));
    const lit = new Set(f.breaches.map((b) => BREACH_CELL[b.code]).filter((x) => x !== undefined));
    for (const field of FIELDS) c[field].classList.toggle('breach', lit.has(field));
    setText(c.breaches, f.breaches.length === 0 ? '' : f.breaches.map((b) => b.code).join(', '));
    c.breaches.title = f.breaches.map((b) => `${b.code}: ${b.detail}`).join('\n');
    row.tr.classList.toggle('breached', f.breaches.length > 0);
    row.tr.dataset.seq = String(f.seq);
  }

  private select(portfolioId: string): void {
    const prev = this.selected === undefined ? undefined : this.rows.get(this.selected);
    prev?.tr.classList.remove('selected');
    this.selected = portfolioId;
    this.rows.get(portfolioId)?.tr.classList.add('selected');
    setText(this.detailName, portfolioId);
    this.detailDrawnSeq = -1;
    this.paintDetail();
  }

  private paintDetail(): void {
    const f = this.selected === undefined ? undefined : this.rows.get(this.selected)?.frame;
    if (f === undefined || f.seq === this.detailDrawnSeq) return;
    this.detailDrawnSeq = f.seq;
    const names = Object.keys(f.byUnderlying).sort();
    // A handful of underlyings: rebuilding the rows is simpler than diffing and cheap at this rate.
    const rows = names.map((name) => {
      const u = f.byUnderlying[name];
      const tr = el('tr', { 'data-underlying': name });
      tr.append(el('th', { scope: 'row' }, name));
      for (const v of u === undefined ? [] : [u.spot, u.delta, u.gamma, u.vega, u.theta, u.rho, u.dollarDelta, u.dollarGamma]) tr.append(el('td', {}, num(v)));
      return tr;
    });
    this.detailBody.replaceChildren(...rows);
  }
}
