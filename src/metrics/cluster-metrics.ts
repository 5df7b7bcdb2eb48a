/**
 * The routing's measurements (gateway/cluster/cluster-metrics.ts) in Prometheus families: what was
 * forwarded to another engine and how it ended, the round trip of each forward, the messages that
 * waited for a moving partition, and the ticks passed between engines. Counts are plain numbers
 * read at scrape and the histogram is a FixedHistogram, so the forwarding path allocates nothing.
 */
import { Counter, type Registry } from 'prom-client';
import type { ClusterMetrics, ForwardKind, ForwardOutcome, WaitOutcome } from '../gateway/cluster/cluster-metrics.js';
import { FixedHistogram, type HistogramChild, LATENCY_BUCKETS_SECONDS } from './fixed-histogram.js';

const KINDS: readonly ForwardKind[] = ['order', 'cancel', 'replace', 'rest', 'watch'];
const OUTCOMES: readonly ForwardOutcome[] = ['answered', 'moving', 'failed'];
const WAITS: readonly WaitOutcome[] = ['routed', 'timedOut', 'full'];

export class PromClusterMetrics implements ClusterMetrics {
  readonly forwardSeconds = new FixedHistogram<ForwardKind>(
    'risk_engine_cluster_forward_seconds',
    'Round trip of a message or request forwarded to the engine owning its portfolio, from sending it to its answer',
    LATENCY_BUCKETS_SECONDS,
    { name: 'kind', values: KINDS },
  );
  readonly #latency = new Map<ForwardKind, HistogramChild>(KINDS.map((k) => [k, this.forwardSeconds.child(k)]));
  readonly #forwarded = new Map<string, number>();
  readonly #waited = new Map<WaitOutcome, number>(WAITS.map((w) => [w, 0]));
  #ticksSent = 0;
  #ticksReceived = 0;

  forwarded(kind: ForwardKind, outcome: ForwardOutcome, roundTripMs: number): void {
    const key = `${kind} ${outcome}`;
    this.#forwarded.set(key, (this.#forwarded.get(key) ?? 0) + 1);
    this.#latency.get(kind)?.observe(roundTripMs / 1000);
  }

  waited(outcome: WaitOutcome): void {
    this.#waited.set(outcome, (this.#waited.get(outcome) ?? 0) + 1);
  }

  ticks(direction: 'sent' | 'received', n: number): void {
    if (direction === 'sent') this.#ticksSent += n;
    else this.#ticksReceived += n;
  }

  registerIn(registry: Registry): void {
    this.forwardSeconds.registerIn(registry);
    const forwarded = this.#forwarded, waited = this.#waited;
    const self = this;
    new Counter({
      name: 'risk_engine_cluster_forwarded_total', help: 'Messages and requests forwarded to the engine owning their portfolio, by kind and how they ended',
      labelNames: ['kind', 'outcome'], registers: [registry],
      collect() {
        this.reset();
        // Every series from the first scrape, so a rate() over them starts at 0, not at the first forward.
        for (const kind of KINDS) for (const outcome of OUTCOMES) this.labels(kind, outcome).inc(forwarded.get(`${kind} ${outcome}`) ?? 0);
      },
    });
    new Counter({
      name: 'risk_engine_cluster_move_waits_total', help: 'Messages that found their partition without a reachable owner: routed once one appeared, timedOut, or refused at once (full)',
      labelNames: ['outcome'], registers: [registry],
      collect() {
        this.reset();
        for (const [outcome, n] of waited) this.labels(outcome).inc(n);
      },
    });
    new Counter({
      name: 'risk_engine_cluster_ticks_total', help: 'Ticks passed on to the other engines (sent) or applied from them (received)',
      labelNames: ['direction'], registers: [registry],
      collect() {
        this.reset();
        this.labels('sent').inc(self.#ticksSent);
        this.labels('received').inc(self.#ticksReceived);
      },
    });
  }
}
