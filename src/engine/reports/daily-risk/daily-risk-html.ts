/**
 * The daily risk document as one self-contained HTML page: tables of the figures and two inline SVG
 * charts of the total book (the backtest's daily P&L against −VaR with its exceptions circled, and
 * the VaR and ES history). Nothing is loaded: no script, font or image (risk-common/html.ts).
 */
import { esc, money, page, pct, table } from '../risk-common/html.js';
import { svgChart } from '../risk-common/svg-chart.js';
import type { BacktestSection, DailyRiskDocument, GreeksSection, MarginSection, TailSection } from './daily-risk-document.js';

const zone = (z: string): string => `<span class="zone-${esc(z)}">${esc(z)}</span>`;

function tailRows(rows: readonly [string, TailSection][]): string {
  return table(
    ['', 'VaR 99%', 'VaR 97.5%', 'ES 99%', 'ES 97.5%'],
    rows.map(([name, t]) => [esc(name), money(t.var99), money(t.var975), money(t.es99), money(t.es975)]),
  );
}

function greeksTable(g: GreeksSection): string {
  const rows = g.byUnderlying.map((u) => [
    esc(u.underlying), money(u.spot), String(u.positions), money(u.marketValue), money(u.delta), money(u.dollarDelta), money(u.gamma, 4),
    money(u.dollarGamma), money(u.vega), money(u.thetaPerYear), money(u.rho),
  ]);
  const t = g.totals;
  rows.push(['<b>total</b>', '', '', money(t.marketValue), '', money(t.dollarDelta), '', money(t.dollarGamma), money(t.vega), money(t.thetaPerYear), money(t.rho)]);
  return table(['underlying', 'spot', 'positions', 'market value', 'delta (sh)', '$ delta', 'gamma (sh/$)', '$ gamma', 'vega', 'theta / yr', 'rho'], rows);
}

function backtestRow(name: string, b: BacktestSection): string[] {
  return [esc(name), String(b.days), String(b.exceptions), zone(b.zone), b.kupiecLR.toFixed(4), b.kupiecPValue.toFixed(4), esc(b.exceptionDates.join(', ') || '—')];
}

function marginRow(name: string, m: MarginSection): string[] {
  return [esc(name), money(m.span), money(m.strategyInitial), money(m.strategyMaintenance)];
}

export function dailyRiskHtml(doc: DailyRiskDocument): string {
  const scope = doc.portfolioId === null ? 'all portfolios' : `portfolio ${doc.portfolioId}`;
  const s = doc.total.backtest.series;
  const dates = s.map((d) => d.date);
  const exceptions = s.map((d, i) => ({ d, i })).filter(({ d }) => d.exception);
  const pnlChart = svgChart({
    id: 'chart-backtest',
    title: `Backtest: daily P&L of today's book against the 1-day ${pct(doc.total.backtest.confidence)} VaR, ${s.length} days`,
    dates,
    series: [
      { name: 'daily P&L', color: '#0969da', kind: 'bars', values: s.map((d) => d.pnl), cls: 'series-pnl' },
      { name: `−VaR ${pct(doc.total.backtest.confidence)}`, color: '#cf222e', kind: 'line', values: s.map((d) => -d.var), cls: 'series-var' },
    ],
    markers: exceptions.map(({ d, i }) => ({ index: i, value: d.pnl, title: `${d.date}: P&L ${money(d.pnl)} < −VaR ${money(d.var)}` })),
    markerCls: 'exception',
  });
  const varChart = svgChart({
    id: 'chart-var-history',
    title: `VaR history of today's book: 1-day ${pct(doc.total.backtest.confidence)} VaR and ${pct(0.975)} ES`,
    dates,
    series: [
      { name: `VaR ${pct(doc.total.backtest.confidence)}`, color: '#cf222e', kind: 'line', values: s.map((d) => d.var), cls: 'series-var' },
      { name: 'ES 97.5%', color: '#8250df', kind: 'line', values: s.map((d) => d.es), cls: 'series-es' },
    ],
  });
  const m = doc.method;
  const body: string[] = [];
  body.push(`<h1>Daily risk report — ${esc(doc.reportDate)}</h1>`);
  body.push(`<p class="meta">${esc(scope)}; valued at the close of ${esc(doc.valuationDate)}; rate ${pct(m.rate, 2)}; ${esc(m.var)}, ${m.horizonDays}-day, ${m.window} daily returns (${esc(doc.market.historyFirstDate)} … ${esc(doc.valuationDate)} on file, ${doc.market.historyDays} common dates). Spots: ${Object.entries(doc.market.spots).map(([t, v]) => `${esc(t)} ${money(v)}`).join(', ')}.</p>`);
  body.push('<h2>VaR and Expected Shortfall</h2>');
  body.push(tailRows([...doc.portfolios.map((p) => [p.portfolioId, p.risk] as [string, TailSection]), ['total (diversified)', doc.total.risk]]));
  body.push('<h2>Backtest</h2>');
  body.push(`<p class="meta">Today's book held fixed over the last ${doc.total.backtest.days} trading days: each day's realised P&L against the VaR computed the day before from the ${m.window} returns before it. An exception is a loss above the VaR. Kupiec's proportion-of-failures test; Basel traffic-light zone.</p>`);
  body.push(table(['', 'days', 'exceptions', 'zone', 'Kupiec LR', 'p-value', 'exception dates'], [
    ...doc.portfolios.map((p) => backtestRow(p.portfolioId, p.backtest)),
    backtestRow('total', doc.total.backtest),
  ]));
  body.push(`<figure>${pnlChart}<figcaption>Daily P&L (bars) against −VaR (line) of the total book; circles mark the ${exceptions.length} exception${exceptions.length === 1 ? '' : 's'}.</figcaption></figure>`);
  body.push(`<figure>${varChart}<figcaption>1-day VaR and ES of the total book for each of the last ${s.length} days, as forecast at the previous close (prices rescaled to today's spots).</figcaption></figure>`);
  body.push('<h2>Greeks by underlying</h2>');
  for (const p of doc.portfolios) body.push(`<h3>${esc(p.portfolioId)}</h3>${greeksTable(p.greeks)}`);
  if (doc.portfolios.length > 1) body.push(`<h3>total</h3>${greeksTable(doc.total.greeks)}`);
  body.push('<h2>Margin</h2>');
  body.push(table(['', 'SPAN-like', 'strategy initial', 'strategy maintenance'], [...doc.portfolios.map((p) => marginRow(p.portfolioId, p.margin)), marginRow('total', doc.total.margin)]));
  body.push('<h2>Limit breaches of the day</h2>');
  body.push(doc.breaches.length === 0
    ? '<p class="none">No limit breach in the day\'s risk snapshots.</p>'
    : table(['portfolio', 'code', 'first', 'last', 'snapshots', 'first detail', 'last detail'], doc.breaches.map((b) => [
      esc(b.portfolioId), esc(b.code), esc(b.first), esc(b.last), String(b.snapshots), esc(b.firstDetail), esc(b.lastDetail),
    ]), 3));
  body.push('<h2>Positions</h2>');
  for (const p of doc.portfolios) {
    body.push(`<h3>${esc(p.portfolioId)}${p.ownerId ? ` (owner ${esc(p.ownerId)})` : ''}</h3>`);
    body.push(table(['instrument', 'qty', 'multiplier', 'vol', 'vol from', 'market value'], p.positions.map((x) => [
      esc(x.instrument), money(x.qty, 0), money(x.multiplier, 0), x.vol === null ? '—' : pct(x.vol, 2), esc(x.volSource), money(x.marketValue),
    ])));
  }
  body.push('<h2>Price files</h2>');
  body.push(table(['ticker', 'column', 'first date', 'last date', 'sha256'], doc.market.prices.map((p) => [esc(p.ticker), esc(p.column), esc(p.firstDate), esc(p.lastDate), `<code>${esc(p.sha256)}</code>`]), 5));
  return page(`Daily risk report ${doc.reportDate}`, body.join('\n'));
}
