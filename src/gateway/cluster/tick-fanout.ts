/**
 * Ticks a feed gave this engine, passed on to every other engine: gathered during one turn of the
 * event loop and sent as one message (a feed's burst costs one frame per peer, not one per tick),
 * in batches of at most maxBatch.
 */
export type TickTuple = [symbol: string, price: number, ts: number];

export class TickFanout {
  private batch: TickTuple[] = [];
  private queued = false;

  constructor(private readonly sendBatch: (ticks: TickTuple[]) => void, private readonly maxBatch = 1024) {}

  add(symbol: string, price: number, ts: number): void {
    this.batch.push([symbol, price, ts]);
    if (this.batch.length >= this.maxBatch) return this.flush();
    if (!this.queued) {
      this.queued = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.queued = false;
    if (this.batch.length === 0) return;
    const out = this.batch;
    this.batch = [];
    this.sendBatch(out);
  };
}
