import type { RecalcInput, RecalcOutput, RiskCalculator } from '../../../src/engine/runtime/risk-calculator.js';

/**
 * A real risk calculator (the pool or the in-process one) behind the engine's RiskCalculator seam,
 * with two things a test needs and a calculator has no reason to offer: a record of how many
 * recalculations of each portfolio (and how many batches) are in flight at once, and, while
 * `failing` is set, an injected task failure for every batch that contains `failPortfolio`. Everything else is forwarded unchanged; this observes
 * and injects faults, it replaces none of the calculator's logic.
 */
export class InstrumentedCalculator implements RiskCalculator {
  failing = false;
  /** Portfolio ids of each batch that was failed on purpose. */
  readonly failedBatches: string[][] = [];
  /** Recalculations of each portfolio in flight now, and the most ever at once. */
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  batchesInFlight = 0;
  maxBatchesInFlight = 0;

  constructor(
    private readonly inner: RiskCalculator,
    private readonly failPortfolio = 'BAD',
  ) {}

  get varConfidence(): number { return this.inner.varConfidence; }
  get esConfidence(): number { return this.inner.esConfidence; }
  get capacity(): number { return this.inner.capacity; }
  stats(): ReturnType<RiskCalculator['stats']> { return this.inner.stats(); }
  close(): Promise<void> { return this.inner.close(); }

  /** The most recalculations of any one portfolio that were ever in flight at once. */
  get maxPerPortfolio(): number {
    return Math.max(0, ...this.maxInFlight.values());
  }

  async recalculate(batch: readonly RecalcInput[]): Promise<RecalcOutput[]> {
    if (this.failing && batch.some((x) => x.portfolioId === this.failPortfolio)) {
      this.failedBatches.push(batch.map((x) => x.portfolioId));
      throw new Error('injected worker-task failure');
    }
    for (const x of batch) {
      const n = (this.inFlight.get(x.portfolioId) ?? 0) + 1;
      this.inFlight.set(x.portfolioId, n);
      this.maxInFlight.set(x.portfolioId, Math.max(n, this.maxInFlight.get(x.portfolioId) ?? 0));
    }
    this.maxBatchesInFlight = Math.max(this.maxBatchesInFlight, ++this.batchesInFlight);
    try {
      return await this.inner.recalculate(batch);
    } finally {
      this.batchesInFlight--;
      for (const x of batch) this.inFlight.set(x.portfolioId, (this.inFlight.get(x.portfolioId) ?? 1) - 1);
    }
  }
}
