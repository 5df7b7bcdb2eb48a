/**
 * Conflation for a screen: the engine may push hundreds of risk frames a second, a person reads a few.
 * Each key keeps only its latest value, and `flush` runs at most once per `intervalMs` with the keys
 * that changed since the last one. Storing a frame is a Map.set: nothing is drawn on the message path.
 */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class Conflator<K, V> {
  private pending = new Map<K, V>();
  private timer: unknown = undefined;
  private lastFlushMs = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (latest: ReadonlyMap<K, V>) => void,
    private readonly clock: { now(): number },
    private readonly scheduler: Scheduler,
  ) {}

  /** Keeps `value` as the latest of `key` (replacing an unflushed one) and schedules a flush. */
  put(key: K, value: V): void {
    this.pending.set(key, value);
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlushMs + this.intervalMs - this.clock.now());
    this.timer = this.scheduler.setTimeout(() => this.run(), wait);
  }

  /** Values not flushed yet are dropped, and no flush is scheduled any more. */
  stop(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private run(): void {
    this.timer = undefined;
    this.lastFlushMs = this.clock.now();
    const batch = this.pending;
    this.pending = new Map();
    this.flush(batch);
  }
}
