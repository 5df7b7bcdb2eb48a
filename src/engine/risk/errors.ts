/**
 * Every error the risk functions return, as named factories with a stable code and a message that
 * says what was expected. These are values, not exceptions: they cross to the CLI and the gateway
 * as they are. We throw only for programmer errors (a broken invariant inside the engine).
 */
import { type Failure, type Result, failure } from '../result.js';

export type RiskErrorCode =
  | 'MISSING_SPOT'
  | 'MISSING_VOL'
  | 'MISSING_HISTORY'
  | 'HISTORY_NOT_AS_OF'
  | 'INSUFFICIENT_HISTORY'
  | 'BAD_CONFIDENCE'
  | 'BAD_WINDOW'
  | 'BAD_HORIZON'
  | 'BAD_PATHS'
  | 'BAD_SCENARIOS'
  | 'BAD_EQUITY'
  | 'NOT_POSITIVE_SEMIDEFINITE';

export type RiskFailure = Failure<RiskErrorCode>;
export type RiskResult<T> = Result<T, RiskErrorCode>;

const fail = (code: RiskErrorCode, message: string): RiskFailure => failure(code, message);

export const riskErrors = {
  missingSpot: (ticker: string) => fail('MISSING_SPOT', `no spot for underlying ${ticker} in the market snapshot`),
  missingVol: (symbol: string) =>
    fail('MISSING_VOL', `option position ${symbol} has no vol (expected a positive implied volatility)`),
  missingHistory: (tickers: readonly string[]) =>
    fail('MISSING_HISTORY', `no aligned price history for ${tickers.join(', ')}`),
  historyNotAsOf: (lastDate: string | undefined, asOf: string) =>
    fail('HISTORY_NOT_AS_OF', `aligned histories end on ${lastDate ?? '(no dates)'}, expected the market's asOf ${asOf}`),
  insufficientHistory: (needed: number, available: number, what: string) =>
    fail('INSUFFICIENT_HISTORY', `not enough history: ${what} needs ${needed} prices, ${available} available`),
  badConfidence: (name: string, c: number) =>
    fail('BAD_CONFIDENCE', `${name} ${c} is not a probability strictly between 0 and 1`),
  badWindow: (window: number) => fail('BAD_WINDOW', `window ${window} is not an integer >= 2`),
  badHorizon: (h: number) => fail('BAD_HORIZON', `horizonDays ${h} is not an integer >= 1`),
  badPaths: (paths: number) => fail('BAD_PATHS', `paths ${paths} is not an integer >= 2`),
  badScenarios: (detail: string) => fail('BAD_SCENARIOS', detail),
  badEquity: (equity: number) => fail('BAD_EQUITY', `equity ${equity} is not a positive amount`),
  notPsd: (detail: string) =>
    fail('NOT_POSITIVE_SEMIDEFINITE', `covariance matrix is not positive semidefinite: ${detail}`),
} as const;
