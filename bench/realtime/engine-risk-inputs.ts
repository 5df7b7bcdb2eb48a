/**
 * The risk pool's inputs as the engine builds them for the bench's books, for the floors measured
 * beside the real-time figures (kernel-floor.ts, pool-floor.ts): the same holdings (parsed as
 * POST /portfolios parses them), the same synthetic scenario set and VaR/ES settings as
 * `risk-engine serve` makes at start, and the engine's defaults for the pool (each overridable by
 * the same environment variables the engine reads, since the bench passes its environment on).
 */
import { availableParallelism } from 'node:os';
import { instrumentOf } from '../../src/engine/actors/instrument-symbol.js';
import { newHoldingTerms } from '../../src/engine/actors/position-update.js';
import type { Holding } from '../../src/engine/actors/types.js';
import { demoUnderlyings, type DemoUnderlying } from '../../src/engine/market/demo-market.js';
import type { DemoPortfolio } from '../../src/engine/market/demo-portfolios.js';
import { realtimeRiskConfig } from '../../src/engine/risk/realtime-config.js';
import { DEFAULT_REALTIME_RISK_CONFIG, type RealtimeRiskConfig, type ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput } from '../../src/engine/runtime/risk-calculator.js';

// src/main.ts (SIMULATED_UNIVERSE_SIZE / _SEED): `serve` values VaR over this universe; importing
// main.ts here would load the whole engine into the bench and its worker threads.
const ENGINE_UNIVERSE_SIZE = 50;
const ENGINE_UNIVERSE_SEED = 7;

/** The pool settings the engine runs with: its defaults, or the RISK_POOL_* / VAR_* variables it is given. */
export interface EnginePoolSettings {
  readonly threads: number;
  readonly maxBatch: number;
  readonly tasksPerThread: number;
  readonly priority: 'idle' | 'low' | 'normal';
  readonly varConfidence: number;
  readonly esConfidence: number;
  readonly rate: number;
  readonly marginRefreshMs: number;
}

export function enginePoolSettings(env: NodeJS.ProcessEnv, threadsFlag: string | undefined): EnginePoolSettings {
  const n = (raw: string | undefined, fallback: number): number => (raw === undefined || raw === '' ? fallback : Number(raw));
  const priority = env.RISK_POOL_PRIORITY ?? 'idle';
  if (priority !== 'idle' && priority !== 'low' && priority !== 'normal') throw new Error(`RISK_POOL_PRIORITY must be idle, low or normal, got "${priority}"`);
  return {
    threads: n(threadsFlag ?? env.RISK_POOL_THREADS, Math.max(1, availableParallelism())),
    maxBatch: n(env.RISK_POOL_MAX_BATCH, 64),
    tasksPerThread: n(env.RISK_POOL_TASKS_PER_THREAD, 1),
    priority,
    varConfidence: n(env.VAR_CONFIDENCE_LEVEL, DEFAULT_REALTIME_RISK_CONFIG.varConfidence),
    esConfidence: DEFAULT_REALTIME_RISK_CONFIG.esConfidence,
    rate: n(env.RISK_FREE_RATE, 0.03),
    marginRefreshMs: n(env.MARGIN_REFRESH_MS, 1000),
  };
}

/** The synthetic dgv scenario set `serve` makes without PRICES_DIR (src/main.ts scenarioSet). */
export function engineScenarioSet(): ScenarioSet {
  const universe = demoUnderlyings(ENGINE_UNIVERSE_SIZE, ENGINE_UNIVERSE_SEED);
  const set = syntheticScenarioSet({
    underlyings: universe.map((u) => u.symbol),
    dailyVol: universe.map((u) => u.vol / Math.sqrt(252)),
    correlation: 0.49,
    seed: ENGINE_UNIVERSE_SEED,
  });
  if (!set.ok) throw new Error(`synthetic scenario set: ${set.message}`);
  return set.value;
}

export function engineRiskConfig(sc: ScenarioSet, s: EnginePoolSettings): RealtimeRiskConfig {
  return realtimeRiskConfig(sc.underlyings, s.varConfidence, s.esConfidence);
}

/** One RecalcInput per book, holdings as the engine's registry makes them from POST /portfolios. */
export function recalcInputs(books: readonly DemoPortfolio[], underlyings: readonly DemoUnderlying[], rate: number, nowMs: number): RecalcInput[] {
  const spots = new Map(underlyings.map((u) => [u.symbol, u.spot]));
  return books.map((b) => ({
    portfolioId: b.portfolioId,
    holdings: b.positions.map((p): Holding => {
      const instrument = instrumentOf(p.instrument);
      if (!instrument) throw new Error(`${b.portfolioId}: "${p.instrument}" is neither a ticker nor an OCC symbol`);
      return {
        instrument, qty: p.qty, ...newHoldingTerms(instrument, p.vol),
        ...(p.multiplier !== undefined ? { multiplier: p.multiplier } : {}), avgPrice: 0, realisedPnl: 0,
      };
    }),
    spots, rate, nowMs, withMargin: false,
  }));
}
