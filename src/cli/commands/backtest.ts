import { runBacktest as backtestVar } from '../../engine/risk/backtest.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { loadMarket } from '../market-data.js';
import { readPortfolioFile } from '../portfolio-file.js';

export const backtestCommand = defineCommand({
  name: 'backtest',
  summary: 'backtest 1-day historical VaR: exceptions, Kupiec test, Basel zone',
  description: `Backtests the 1-day historical VaR of today's positions, held fixed (same time to expiry and vol),
over the last --days trading days up to asOf: each day's realised P&L (revaluation at that day's
prices minus the day before's) against the VaR computed from the --window daily returns before it.
Prints one JSON object:
  {"days","exceptions","kupiecLR","kupiecPValue","zone"}
zone is the Basel traffic light: green, yellow or red (250 days at 99%: 0-4, 5-9, 10+; other sizes use
the same binomial cumulative-probability cut-offs, 95% and 99.99%).`,
  flags: {
    portfolio: { type: 'string', value: 'FILE', required: true, help: 'portfolio JSON file' },
    prices: { type: 'string', value: 'DIR', required: true, help: 'folder of <TICKER>.csv daily prices' },
    confidence: { type: 'number', value: 'C', default: 0.99, min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, help: 'VaR confidence' },
    window: { type: 'number', value: 'N', default: 500, integer: true, min: 2, help: "trading days of returns behind each day's VaR" },
    days: { type: 'number', value: 'N', default: 250, integer: true, min: 1, help: 'number of backtest days' },
  },
  footer: `Example:
  risk-engine backtest --portfolio samples/portfolio-spy.json --prices data/prices`,
  async run(f, io) {
    const portfolio = readPortfolioFile(f.portfolio);
    const { market, histories } = loadMarket(portfolio, f.prices);
    const r = backtestVar({ positions: portfolio.positions, market, histories, confidence: f.confidence, window: f.window, days: f.days });
    if (!r.ok) throw new CliError(`${portfolio.source}: ${r.message} [${r.code}]`);
    const { days, exceptions, kupiecLR, kupiecPValue, zone } = r.value;
    io.stdout.write(JSON.stringify({ days, exceptions, kupiecLR, kupiecPValue, zone }) + '\n');
    return ExitCode.Ok;
  },
});
