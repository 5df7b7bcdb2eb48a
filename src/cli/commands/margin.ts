import { spanMargin } from '../../engine/margin/span-grid.js';
import { strategyMargin } from '../../engine/margin/strategy-margin.js';
import { numberFlag, parseFlags, requiredFlag } from '../args.js';
import { ExitCode } from '../errors.js';
import type { CliIo } from '../io.js';
import { loadMarket } from '../market-data.js';
import { readPortfolioFile } from '../portfolio-file.js';

export const marginHelp = `Usage: risk-engine margin --portfolio FILE --prices DIR [--scan-range 0.15] [--vol-shift 0.25]

Margin of a portfolio file (format: see README), as one JSON object:
  {"strategy": {"initial","maintenance","strategies":[...]},
   "span": {"requirement","scenarios":[16 losses],"byUnderlying":{...}}}

strategy: strategy-based margin after Cboe's rules / FINRA 4210: long stock 50% initial, 25% maintenance;
  short stock 50% / 30%; long options paid in full; naked short options 100% of their value plus
  max(20% of the underlying less the out-of-the-money amount, 10% of the underlying (call) or of the
  strike (put)); spreads at their maximum loss; covered calls and puts carry no option requirement.
span: CME's 16 scenarios per underlying: price unchanged, +-1/3, +-2/3, +-3/3 of the scan range, each with
  vol up and down (vol x (1 +- shift)), and +-2x the scan range with vol unchanged and 35% of the loss
  counted. Losses are positive; the requirement sums each underlying's worst loss (no offsets across
  underlyings).

Options:
  --portfolio FILE   portfolio JSON file (required)
  --prices DIR       folder of <TICKER>.csv daily prices; spot is the close on asOf (required)
  --scan-range R     price scan range as a fraction of spot, default 0.15 (0 < R < 0.5)
  --vol-shift V      relative vol shift, default 0.25 (0 <= V < 1)

Example:
  risk-engine margin --portfolio samples/portfolio-spy.json --prices data/prices
`;

export async function runMargin(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('margin', argv, {
    portfolio: { type: 'string' },
    prices: { type: 'string' },
    'scan-range': { type: 'string' },
    'vol-shift': { type: 'string' },
  });
  if (f.help) {
    io.stdout.write(marginHelp);
    return ExitCode.Ok;
  }
  // Bounds: a move of twice the scan range must leave spot positive, and a vol shift must leave vol positive.
  const scanRange = numberFlag('margin', 'scan-range', f['scan-range'], 0.15, { min: 0, max: 0.5, exclusiveMin: true, exclusiveMax: true });
  const volShift = numberFlag('margin', 'vol-shift', f['vol-shift'], 0.25, { min: 0, max: 1, exclusiveMax: true });
  const portfolio = readPortfolioFile(requiredFlag('margin', 'portfolio', f.portfolio));
  const { market } = loadMarket(portfolio, requiredFlag('margin', 'prices', f.prices));

  const strategy = strategyMargin(portfolio.positions, market);
  const span = spanMargin(portfolio.positions, market, { scanRange, volShift });
  io.stdout.write(
    JSON.stringify({
      strategy: { initial: strategy.initial, maintenance: strategy.maintenance, strategies: strategy.strategies },
      span: { requirement: span.requirement, scenarios: span.scenarios, byUnderlying: span.byUnderlying },
    }) + '\n',
  );
  return ExitCode.Ok;
}
