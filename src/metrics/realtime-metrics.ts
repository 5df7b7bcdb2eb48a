/**
 * The real-time path's own measurements, taken by the gateway as frames arrive and answers leave:
 * orders in, order-to-ack, and tick-to-risk. Everything here is plain numbers and typed arrays made
 * at start: no call on the tick or order path allocates (the histograms' children are looked up
 * once, below). The engine's counters (ticks, recalculations, coalesced work) are not repeated here:
 * engine-metrics.ts reads them at scrape.
 *
 * Tick-to-risk is server-side: from the arrival of the tick frame that a risk snapshot includes
 * last (its `tickTs`) to the moment that snapshot is handed to its subscribers' connections. The
 * arrival of each tick is remembered in a lossy table keyed by the tick's `ts`: a collision
 * overwrites (that snapshot is then not measured), and ticks that did not come through the gateway
 * (the demo market) are never measured.
 */
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { FixedHistogram, type HistogramChild, LATENCY_BUCKETS_SECONDS } from './fixed-histogram.js';

/** Slots of the tick-arrival table: at 5,000 ticks/s it remembers about 3 s of ticks. */
const TICK_SLOTS = 1 << 14;

export type OrderOutcomeLabel = 'ack' | 'reject';

export class RealtimeMetrics {
  /** Order, cancel and replace frames taken for the engine (after authorisation). */
  ordersIn = 0;
  readonly orderToAck = new FixedHistogram<OrderOutcomeLabel>(
    'risk_engine_order_to_ack_seconds',
    'Server-side order latency: from the order frame\'s arrival to its ack or reject being sent',
    LATENCY_BUCKETS_SECONDS,
    { name: 'outcome', values: ['ack', 'reject'] },
  );
  readonly tickToRisk = new FixedHistogram(
    'risk_engine_tick_to_risk_seconds',
    'Server-side tick-to-risk: from the arrival of the newest tick a risk snapshot includes to the snapshot being sent to its subscribers',
    LATENCY_BUCKETS_SECONDS,
  );
  readonly #acked: HistogramChild = this.orderToAck.child('ack');
  readonly #rejected: HistogramChild = this.orderToAck.child('reject');
  readonly #risk: HistogramChild = this.tickToRisk.child();
  readonly #tickTs = new Float64Array(TICK_SLOTS);
  readonly #tickArrived = new Float64Array(TICK_SLOTS);
  /** A view of one double as two words, to hash a tick's ts without allocating. */
  readonly #f64 = new Float64Array(1);
  readonly #u32 = new Uint32Array(this.#f64.buffer);

  /** The clock every arrival is read from (ms, monotonic). */
  readonly now = (): number => performance.now();

  registerIn(registry: Registry): void {
    this.orderToAck.registerIn(registry);
    this.tickToRisk.registerIn(registry);
  }

  orderAnswered(arrivedMs: number, acked: boolean): void {
    (acked ? this.#acked : this.#rejected).observe((this.now() - arrivedMs) / 1000);
  }

  /** A tick the engine took: its ts and when its frame arrived. */
  tickArrived(ts: number, arrivedMs: number): void {
    const slot = this.#slot(ts);
    this.#tickTs[slot] = ts;
    this.#tickArrived[slot] = arrivedMs;
  }

  /** A risk snapshot whose newest tick is `tickTs` was handed to its subscribers now. */
  riskSent(tickTs: number): void {
    const slot = this.#slot(tickTs);
    if (this.#tickTs[slot] !== tickTs || tickTs === 0) return;
    this.#risk.observe((this.now() - this.#tickArrived[slot]!) / 1000);
  }

  #slot(ts: number): number {
    this.#f64[0] = ts;
    return (Math.imul(this.#u32[0]! ^ Math.imul(this.#u32[1]!, 0x9e3779b1), 0x85ebca6b) >>> 18) & (TICK_SLOTS - 1);
  }
}
