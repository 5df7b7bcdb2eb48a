/**
 * The daily positions-and-risk report: open positions grouped by portfolio, each portfolio with its
 * newest risk snapshot. Pure: rows in, document out. Positions are the current ones (the table
 * keeps no history), so the report is the book at generation time, labelled with its business date.
 */
import type { PositionRiskRow } from '../../persistence/report-store.js';

export interface PositionsRiskReport {
  readonly kind: 'daily_positions_risk';
  readonly asOf: string;
  readonly generatedAt: string;
  readonly portfolioCount: number;
  readonly positionCount: number;
  readonly portfolios: readonly {
    readonly portfolioId: string;
    readonly risk: { readonly seq: number; readonly tickTs: number; readonly computedMs: number; readonly figures: object } | null;
    readonly positions: readonly { readonly instrument: string; readonly qty: number; readonly avgPrice: number; readonly multiplier: number; readonly realisedPnl: number }[];
  }[];
}

export function buildPositionsRiskReport(asOf: string, rows: readonly PositionRiskRow[], generatedAt: Date): PositionsRiskReport {
  const byPortfolio = new Map<string, PositionRiskRow[]>();
  for (const r of rows) {
    const list = byPortfolio.get(r.portfolioId);
    if (list) list.push(r);
    else byPortfolio.set(r.portfolioId, [r]);
  }
  const portfolios = [...byPortfolio].map(([portfolioId, list]) => {
    const first = list[0] as PositionRiskRow;
    return {
      portfolioId,
      risk:
        first.riskSeq === null
          ? null
          : { seq: first.riskSeq, tickTs: first.riskTickTs ?? 0, computedMs: first.riskComputedMs ?? 0, figures: first.riskFigures ?? {} },
      positions: list.map((p) => ({ instrument: p.instrument, qty: p.qty, avgPrice: p.avgPrice, multiplier: p.multiplier, realisedPnl: p.realisedPnl })),
    };
  });
  return { kind: 'daily_positions_risk', asOf, generatedAt: generatedAt.toISOString(), portfolioCount: portfolios.length, positionCount: rows.length, portfolios };
}
