/**
 * A Prometheus histogram whose observe() allocates nothing: bucket counts in a Float64Array, one
 * per label value fixed at construction (a child is looked up once and kept). prom-client's own
 * Histogram builds a labels object and a hash string on every observe, which is too much for the
 * tick and order paths; this one is read only at scrape, through the registry's metric contract
 * (name, help, type, get()), so prom-client prints it like its own.
 */
import type { Metric, Registry } from 'prom-client';

/** What prom-client's registry reads of a metric at scrape (its typings only admit its own classes). */
interface ScrapedValue { readonly metricName: string; readonly labels: Record<string, string | number>; readonly value: number }
interface ScrapedMetric { readonly name: string; readonly help: string; readonly type: 'histogram'; readonly aggregator: 'sum'; readonly values: ScrapedValue[] }

/** One label value's buckets: what the hot path holds and calls. */
export class HistogramChild {
  /** Per bucket (not cumulative), the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class FixedHistogram<L extends string = never> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly bounds: Float64Array;
  private readonly children = new Map<string, HistogramChild>();

  /**
   * `label`: the one label's name and its values (each gets its child now); absent: one unlabelled
   * child (`child()`). Buckets are upper bounds, ascending.
   */
  constructor(readonly name: string, readonly help: string, buckets: readonly number[], private readonly label?: { readonly name: string; readonly values: readonly L[] }) {
    if (buckets.some((b, i) => i > 0 && b <= buckets[i - 1]!)) throw new Error(`${name}: buckets must ascend`);
    this.bounds = Float64Array.from(buckets);
    for (const v of label?.values ?? ['']) this.children.set(v, new HistogramChild(this.bounds));
  }

  /** The child of a label value (the only one without a label); look it up once and keep it. */
  child(value?: L): HistogramChild {
    const c = this.children.get(value ?? '');
    if (c === undefined) throw new Error(`${this.name}: no child for label value "${String(value)}"`);
    return c;
  }

  /** Registers it in `registry`, printed at scrape like prom-client's own histograms. */
  registerIn(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  get(): Promise<ScrapedMetric> {
    const values: ScrapedValue[] = [];
    for (const [labelValue, c] of this.children) {
      const shared: Record<string, string> = this.label ? { [this.label.name]: labelValue } : {};
      let acc = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        acc += c.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...shared, le }, value: acc });
      }
      values.push({ metricName: `${this.name}_sum`, labels: shared, value: c.sum });
      values.push({ metricName: `${this.name}_count`, labels: shared, value: c.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

/** Latency buckets in seconds, 50 µs to 10 s: the order and tick paths live in the first half. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];
