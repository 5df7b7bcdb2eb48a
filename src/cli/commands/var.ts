import { computeVar } from '../../engine/risk/compute-var.js';
import type { ParametricKind, VarMethod } from '../../engine/risk/var-types.js';
import { numberFlag, parseFlags, requiredFlag } from '../args.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { loadMarket } from '../market-data.js';
import { readPortfolioFile } from '../portfolio-file.js';

export const varHelp = `Usage: risk-engine var --portfolio FILE --prices DIR [options]

Value at Risk and Expected Shortfall of a portfolio file (format: see README), as one JSON object:
  {"method","confidence","esConfidence","horizonDays","window","var","es","scenarios"}
var and es are positive losses in currency over the horizon.

Options:
  --portfolio FILE      portfolio JSON file (required)
  --prices DIR          folder of <TICKER>.csv daily prices (required)
  --method M            historical (full revaluation, default) | dgv (delta-gamma-vega approximation of
                        the same scenarios) | parametric | montecarlo
  --parametric KIND     delta-normal (default) | delta-gamma (Cornish-Fisher), for --method parametric
  --confidence C        VaR confidence, default 0.99
  --es-confidence C     Expected Shortfall confidence, default 0.975
  --window N            trading days of history behind the scenarios / covariance, default 500
  --horizon-days H      horizon in trading days, default 1 (historical: overlapping H-day returns;
                        parametric and Monte Carlo: covariance scaled by H)
  --seed N              Monte Carlo seed, default 1
  --paths N             Monte Carlo paths, default 10000

Example:
  risk-engine var --portfolio samples/portfolio-orcl.json --prices ../shared/data/prices --confidence 0.99
`;

const METHODS: readonly VarMethod[] = ['historical', 'dgv', 'parametric', 'montecarlo'];
const KINDS: readonly ParametricKind[] = ['delta-normal', 'delta-gamma'];

export async function runVar(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('var', argv, {
    portfolio: { type: 'string' },
    prices: { type: 'string' },
    method: { type: 'string' },
    parametric: { type: 'string' },
    confidence: { type: 'string' },
    'es-confidence': { type: 'string' },
    window: { type: 'string' },
    'horizon-days': { type: 'string' },
    seed: { type: 'string' },
    paths: { type: 'string' },
  });
  if (f.help) {
    io.stdout.write(varHelp);
    return ExitCode.Ok;
  }
  const method = (f.method ?? 'historical') as VarMethod;
  if (!METHODS.includes(method)) throw usageError(`var: --method must be one of ${METHODS.join(', ')}, got "${f.method}"`);
  const kind = (f.parametric ?? 'delta-normal') as ParametricKind;
  if (!KINDS.includes(kind)) throw usageError(`var: --parametric must be one of ${KINDS.join(', ')}, got "${f.parametric}"`);
  const prob = { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true };
  const confidence = numberFlag('var', 'confidence', f.confidence, 0.99, prob);
  const esConfidence = numberFlag('var', 'es-confidence', f['es-confidence'], 0.975, prob);
  const window = numberFlag('var', 'window', f.window, 500, { integer: true, min: 2 });
  const horizonDays = numberFlag('var', 'horizon-days', f['horizon-days'], 1, { integer: true, min: 1 });
  const seed = numberFlag('var', 'seed', f.seed, 1, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const paths = numberFlag('var', 'paths', f.paths, 10_000, { integer: true, min: 2, max: 10_000_000 });
  const portfolio = readPortfolioFile(requiredFlag('var', 'portfolio', f.portfolio));
  const { market, histories } = loadMarket(portfolio, requiredFlag('var', 'prices', f.prices));

  const r = computeVar({
    positions: portfolio.positions, market, histories, method, confidence, esConfidence, window, horizonDays,
    seed, paths, parametricKind: kind,
  });
  if (!r.ok) throw new CliError(`${portfolio.source}: ${r.message} [${r.code}]`);
  io.stdout.write(JSON.stringify(method === 'parametric' ? { ...r.value, parametric: kind } : r.value) + '\n');
  return ExitCode.Ok;
}
