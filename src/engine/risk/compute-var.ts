/**
 * One entry point for every VaR method: validates the request once, prepares the book and
 * dispatches. Returns a result value with a stable error code (errors.ts), never throws for bad input.
 */
import { type RiskResult, riskErrors } from './errors.js';
import { prepareBook } from './risk-book.js';
import { dgvAggregates } from './var-dgv.js';
import { dgvTailRiskFast } from './var-dgv-wasm.js';
import { historicalVar } from './var-historical.js';
import { monteCarloVar } from './var-montecarlo.js';
import { parametricVar } from './var-parametric.js';
import { historicalReturnScenarios } from './return-scenarios.js';
import { DEFAULT_MC_PATHS, DEFAULT_MC_SEED, type TailFigures, type VarInput, type VarResult, type VarSpec } from './var-types.js';

export const isConfidence = (c: number): boolean => Number.isFinite(c) && c > 0 && c < 1;

/** Checks the fields shared by every method; undefined when they are valid. */
export function validateVarParams(p: VarSpec): ReturnType<typeof riskErrors.badWindow> | undefined {
  if (!isConfidence(p.confidence)) return riskErrors.badConfidence('confidence', p.confidence);
  if (!isConfidence(p.esConfidence)) return riskErrors.badConfidence('esConfidence', p.esConfidence);
  if (!Number.isInteger(p.window) || p.window < 2) return riskErrors.badWindow(p.window);
  if (!Number.isInteger(p.horizonDays) || p.horizonDays < 1) return riskErrors.badHorizon(p.horizonDays);
  return undefined;
}

export function computeVar(input: VarInput): RiskResult<VarResult> {
  const bad = validateVarParams(input);
  if (bad) return bad;
  const last = input.histories.dates[input.histories.dates.length - 1];
  if (last !== input.market.asOf) return riskErrors.historyNotAsOf(last, input.market.asOf);
  const bookR = prepareBook(input.positions, input.market);
  if (!bookR.ok) return bookR;
  const book = bookR.value;
  const { confidence, esConfidence, window, horizonDays } = input;
  const head = { method: input.method, confidence, esConfidence, horizonDays, window };

  let tail: RiskResult<TailFigures>;
  switch (input.method) {
    case 'historical':
      tail = historicalVar(book, input.histories, input);
      break;
    case 'dgv': {
      const sc = historicalReturnScenarios(input.histories, book.tickers, window, horizonDays);
      if (!sc.ok) return sc;
      let volChanges: Float64Array | undefined;
      if (input.volChanges && input.volChanges.size > 0) {
        const nU = book.tickers.length;
        volChanges = new Float64Array(window * nU);
        for (let u = 0; u < nU; u++) {
          const series = input.volChanges.get(book.tickers[u] as string);
          if (!series) continue;
          if (series.length !== window) {
            return riskErrors.badScenarios(`volChanges for ${book.tickers[u]} has ${series.length} entries, expected ${window}`);
          }
          for (let s = 0; s < window; s++) volChanges[s * nU + u] = series[s] as number;
        }
      }
      const agg = dgvAggregates(book);
      tail = { ok: true, value: { ...dgvTailRiskFast(agg, sc.value.returns, window, confidence, esConfidence, volChanges), scenarios: window } };
      break;
    }
    case 'parametric':
      tail = parametricVar(dgvAggregates(book), input.histories, input, input.parametricKind ?? 'delta-normal');
      break;
    case 'montecarlo':
      tail = monteCarloVar(book, input.histories, input, input.paths ?? DEFAULT_MC_PATHS, input.seed ?? DEFAULT_MC_SEED);
      break;
    default: {
      const never: never = input.method;
      throw new Error(`unknown VaR method ${String(never)}`);
    }
  }
  if (!tail.ok) return tail;
  return { ok: true, value: { ...head, var: tail.value.var, es: tail.value.es, scenarios: tail.value.scenarios } };
}
