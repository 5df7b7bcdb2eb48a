import { runBacktest as backtestVar } from '../../engine/risk/backtest.js';
import { numberFlag, parseFlags, requiredFlag } from '../args.js';
import { CliError, ExitCode } from '../errors.js';
import type { CliIo } from '../io.js';
import { loadMarket } from '../market-data.js';
import { readPortfolioFile } from '../portfolio-file.js';

export const backtestHelp = `Usage: risk-engine backtest --portfolio FILE --prices DIR [--confidence 0.99] [--window 500] [--days 250]

Backtests the 1-day historical VaR of today's positions, held fixed (same time to expiry and vol),
over the last --days trading days up to asOf: each day's realised P&L (revaluation at that day's
prices minus the day before's) against the VaR computed from the --window daily returns before it.
Prints one JSON object:
  {"days","exceptions","kupiecLR","kupiecPValue","zone"}
zone is the Basel traffic light: green, yellow or red (250 days at 99%: 0-4, 5-9, 10+; other sizes use
the same binomial cumulative-probability cut-offs, 95% and 99.99%).

Options:
  --portfolio FILE   portfolio JSON file (required)
  --prices DIR       folder of <TICKER>.csv daily prices (required)
  --confidence C     VaR confidence, default 0.99
  --window N         trading days of returns behind each day's VaR, default 500
  --days N           number of backtest days, default 250

Example:
  risk-engine backtest --portfolio samples/portfolio-orcl.json --prices ../shared/data/prices
`;

export async function runBacktest(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('backtest', argv, {
    portfolio: { type: 'string' },
    prices: { type: 'string' },
    confidence: { type: 'string' },
    window: { type: 'string' },
    days: { type: 'string' },
  });
  if (f.help) {
    io.stdout.write(backtestHelp);
    return ExitCode.Ok;
  }
  const confidence = numberFlag('backtest', 'confidence', f.confidence, 0.99, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  const window = numberFlag('backtest', 'window', f.window, 500, { integer: true, min: 2 });
  const days = numberFlag('backtest', 'days', f.days, 250, { integer: true, min: 1 });
  const portfolio = readPortfolioFile(requiredFlag('backtest', 'portfolio', f.portfolio));
  const { market, histories } = loadMarket(portfolio, requiredFlag('backtest', 'prices', f.prices));
  const r = backtestVar({ positions: portfolio.positions, market, histories, confidence, window, days });
  if (!r.ok) throw new CliError(`${portfolio.source}: ${r.message} [${r.code}]`);
  const { days: n, exceptions, kupiecLR, kupiecPValue, zone } = r.value;
  io.stdout.write(JSON.stringify({ days: n, exceptions, kupiecLR, kupiecPValue, zone }) + '\n');
  return ExitCode.Ok;
}
