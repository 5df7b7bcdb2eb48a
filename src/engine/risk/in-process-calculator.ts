/**
 * A RiskCalculator that values each batch on the calling thread: the same kernel (computeRiskBatch),
 * packing, configuration and output readers as the risk pool's workers, without threads or a
 * build. For tests of the engine's logic and for tools that value a few portfolios; the live
 * engine uses the pool, whose threads keep this work off the event loop.
 *
 * Each output is a plain object of its own, so it stays readable after the next delivery (the
 * port asks only until then). Inputs of one batch may carry different spot maps: each is priced
 * from its own (the pool requires one market per batch).
 */
import type { SpanOptions } from '../margin/span-grid.js';
import { riskCalculatorErrors } from '../runtime/risk-calculator-errors.js';
import type { RecalcInput, RecalcOutput, RiskCalculator, RiskCalculatorStats } from '../runtime/risk-calculator.js';
import type { UnderlyingRisk } from '../actors/types.js';
import { DEFAULT_REALTIME_RISK_CONFIG } from './realtime-batch.js';
import { realtimeRiskConfig, withFallbackReturns } from './realtime-config.js';
import { greeksAt, underlyingRiskAt } from './realtime-output.js';
import { PositionPacker } from './realtime-pack.js';
import {
  checkScenarioSet, computeRiskBatch, PORTFOLIO_OUT, outputLength, PORTFOLIO_STRIDE, type RealtimeRiskConfig, RiskBatchScratch, type ScenarioSet, GROUP_STRIDE,
} from './realtime-risk.js';

export interface InProcessCalculatorOptions {
  readonly scenarios: ScenarioSet;
  /** Default 0.95 (DEFAULT_REALTIME_RISK_CONFIG), as the pool's. */
  readonly varConfidence?: number;
  /** Default 0.975, as the pool's. */
  readonly esConfidence?: number;
  /** SPAN grid parameters (span-grid.ts semantics), resolved per scenario underlying at start. */
  readonly span?: SpanOptions;
}

export class InProcessRiskCalculator implements RiskCalculator {
  readonly varConfidence: number;
  readonly esConfidence: number;
  /** One batch at a time: recalculate() runs to completion on the caller's thread. */
  readonly capacity = 1;
  private readonly scenarios: ScenarioSet;
  private readonly config: RealtimeRiskConfig;
  private readonly packer: PositionPacker;
  private readonly scratch = new RiskBatchScratch();
  private out = new Float64Array(0);
  private completedTasks = 0;
  private recalculations = 0;
  private closed = false;

  constructor(opts: InProcessCalculatorOptions) {
    const varConfidence = opts.varConfidence ?? DEFAULT_REALTIME_RISK_CONFIG.varConfidence;
    const esConfidence = opts.esConfidence ?? DEFAULT_REALTIME_RISK_CONFIG.esConfidence;
    if (!(varConfidence > 0 && varConfidence < 1)) throw riskCalculatorErrors.badConfidence('varConfidence', varConfidence);
    if (!(esConfidence > 0 && esConfidence < 1)) throw riskCalculatorErrors.badConfidence('esConfidence', esConfidence);
    checkScenarioSet(opts.scenarios);
    this.varConfidence = varConfidence;
    this.esConfidence = esConfidence;
    this.scenarios = withFallbackReturns(opts.scenarios);
    this.config = realtimeRiskConfig(this.scenarios.underlyings, varConfidence, esConfidence, opts.span);
    this.packer = new PositionPacker(this.scenarios.underlyings);
  }

  async recalculate(batch: readonly RecalcInput[]): Promise<RecalcOutput[]> {
    if (this.closed) throw riskCalculatorErrors.closed();
    if (batch.length === 0) return [];
    const packer = this.packer;
    packer.reset();
    for (const x of batch) packer.add(x.holdings, x.spots, x.rate, x.nowMs, x.withMargin);
    const packed = packer.batch();
    const need = outputLength(packed.nPortfolios, packed.nGroups);
    if (this.out.length < need) this.out = new Float64Array(Math.max(need, 2 * this.out.length));
    const f = this.out;
    try {
      computeRiskBatch(packed, this.scenarios, f, this.config, undefined, this.scratch);
    } catch (err) {
      throw riskCalculatorErrors.taskFailed(batch.map((x) => x.portfolioId), err);
    }
    const groupBase = packed.nPortfolios * PORTFOLIO_STRIDE;
    const outputs = batch.map((x, p): RecalcOutput => {
      const at = p * PORTFOLIO_STRIDE;
      const byUnderlying: Record<string, UnderlyingRisk> = {};
      for (let k = packed.groupStart[p] as number, end = packed.groupStart[p + 1] as number; k < end; k++) {
        byUnderlying[packer.groupNames[k] as string] = underlyingRiskAt(f, groupBase + k * GROUP_STRIDE, packed.groupSpot[k] as number);
      }
      return {
        portfolioId: x.portfolioId, greeks: greeksAt(f, at), byUnderlying,
        marketValue: f[at + PORTFOLIO_OUT.marketValue] as number, grossExposure: f[at + PORTFOLIO_OUT.grossExposure] as number,
        var: f[at + PORTFOLIO_OUT.var] as number, es: f[at + PORTFOLIO_OUT.es] as number,
        marginRequirement: x.withMargin ? (f[at + PORTFOLIO_OUT.margin] as number) : undefined,
      };
    });
    this.completedTasks++;
    this.recalculations += batch.length;
    return outputs;
  }

  stats(): RiskCalculatorStats {
    return { threads: 0, utilization: 0, queueSize: 0, completedTasks: this.completedTasks, recalculations: this.recalculations };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
