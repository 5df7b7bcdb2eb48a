import { computeVar } from '../../engine/risk/compute-var.js';
import type { ParametricKind, VarMethod } from '../../engine/risk/var-types.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { loadMarket } from '../market-data.js';
import { readPortfolioFile } from '../portfolio-file.js';

const METHODS: readonly VarMethod[] = ['historical', 'dgv', 'parametric', 'montecarlo'];
const KINDS: readonly ParametricKind[] = ['delta-normal', 'delta-gamma'];
const probability = { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true } as const;

export const varCommand = defineCommand({
  name: 'var',
  summary: 'Value at Risk and Expected Shortfall of a portfolio file',
  description: `Value at Risk and Expected Shortfall of a portfolio file (format: see README), as one JSON object:
  {"method","confidence","esConfidence","horizonDays","window","var","es","scenarios"}
var and es are positive losses in currency over the horizon.`,
  flags: {
    portfolio: { type: 'string', value: 'FILE', required: true, help: 'portfolio JSON file' },
    prices: { type: 'string', value: 'DIR', required: true, help: 'folder of <TICKER>.csv daily prices' },
    method: {
      type: 'choice', value: 'M', choices: METHODS, default: 'historical',
      help: 'historical (full revaluation) | dgv (delta-gamma-vega approximation of\nthe same scenarios) | parametric | montecarlo',
    },
    parametric: { type: 'choice', value: 'KIND', choices: KINDS, default: 'delta-normal', help: 'delta-normal | delta-gamma (Cornish-Fisher), for\n--method parametric' },
    confidence: { type: 'number', value: 'C', default: 0.99, ...probability, help: 'VaR confidence' },
    'es-confidence': { type: 'number', value: 'C', default: 0.975, ...probability, help: 'Expected Shortfall confidence' },
    window: { type: 'number', value: 'N', default: 500, integer: true, min: 2, help: 'trading days of history behind the scenarios / covariance' },
    'horizon-days': {
      type: 'number', value: 'H', default: 1, integer: true, min: 1,
      help: 'horizon in trading days (historical: overlapping H-day returns;\nparametric and Monte Carlo: covariance scaled by H)',
    },
    seed: { type: 'number', value: 'N', default: 1, integer: true, min: 0, max: 2 ** 32 - 1, help: 'Monte Carlo seed' },
    paths: { type: 'number', value: 'N', default: 10_000, integer: true, min: 2, max: 10_000_000, help: 'Monte Carlo paths' },
  },
  footer: `Example:
  risk-engine var --portfolio samples/portfolio-spy.json --prices data/prices --confidence 0.99`,
  async run(f, io) {
    const portfolio = readPortfolioFile(f.portfolio);
    const { market, histories } = loadMarket(portfolio, f.prices);
    const r = computeVar({
      positions: portfolio.positions, market, histories, method: f.method, confidence: f.confidence, esConfidence: f['es-confidence'],
      window: f.window, horizonDays: f['horizon-days'], seed: f.seed, paths: f.paths, parametricKind: f.parametric,
    });
    if (!r.ok) throw new CliError(`${portfolio.source}: ${r.message} [${r.code}]`);
    io.stdout.write(JSON.stringify(f.method === 'parametric' ? { ...r.value, parametric: f.parametric } : r.value) + '\n');
    return ExitCode.Ok;
  },
});
