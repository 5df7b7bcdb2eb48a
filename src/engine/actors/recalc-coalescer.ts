/**
 * Coalesces risk recalculations per portfolio. A portfolio is idle, dirty (waiting in the queue),
 * in flight, or in flight and dirty again. Marking a dirty portfolio dirty changes nothing, so a
 * burst of ticks yields at most one recalculation in flight plus one queued after it, always on
 * the latest state, never a backlog. The queue is FIFO by first dirtying, so a busy portfolio
 * cannot starve the others. Every operation is O(1) per id.
 */
const DIRTY = 1;
const IN_FLIGHT = 2;
const IN_FLIGHT_DIRTY = 3;

export interface CoalescerStats {
  /** markDirty calls. */
  readonly requested: number;
  /** markDirty calls merged into a recalculation already queued (or already owed after the one in flight). */
  readonly coalesced: number;
  /** Ids handed out by takeBatch, i.e. recalculations started. */
  readonly dispatched: number;
  /** Ids waiting in the queue. */
  readonly pending: number;
  readonly inFlight: number;
}

/**
 * Where the coalescer keeps each id's status. A Map by default; the engine stores it in a field of
 * its portfolio cell (runtime/portfolio-cell.ts), because a tick marks a few hundred portfolios dirty and a field read is what
 * that loop can afford (a Map lookup per portfolio was a tenth of the event loop's time).
 */
export interface StatusStore<K> {
  get(id: K): number | undefined;
  set(id: K, status: number): void;
  delete(id: K): void;
}

export class RecalcCoalescer<K = string> {
  readonly #status: StatusStore<K>;

  constructor(store: StatusStore<K> = new Map<K, number>()) {
    this.#status = store;
  }
  readonly #queue = new IdQueue<K>();
  #inFlight = 0;
  #requested = 0;
  #coalesced = 0;
  #dispatched = 0;

  get requested(): number {
    return this.#requested;
  }
  get coalesced(): number {
    return this.#coalesced;
  }
  get dispatched(): number {
    return this.#dispatched;
  }
  /** Ids waiting for takeBatch. */
  get pending(): number {
    return this.#queue.length;
  }
  get inFlight(): number {
    return this.#inFlight;
  }

  stats(): CoalescerStats {
    return { requested: this.#requested, coalesced: this.#coalesced, dispatched: this.#dispatched, pending: this.pending, inFlight: this.#inFlight };
  }

  /** Asks for a recalculation of id on its latest state. */
  markDirty(id: K): void {
    this.#requested++;
    const s = this.#status.get(id);
    if (s === undefined) {
      this.#status.set(id, DIRTY);
      this.#queue.push(id);
    } else if (s === IN_FLIGHT) this.#status.set(id, IN_FLIGHT_DIRTY);
    else this.#coalesced++;
  }

  /** Up to max dirty ids not in flight, oldest first; they become in flight and no longer dirty. */
  takeBatch(max: number): K[] {
    const out: K[] = [];
    while (out.length < max && this.#queue.length > 0) {
      const id = this.#queue.shift();
      this.#status.set(id, IN_FLIGHT);
      out.push(id);
    }
    this.#inFlight += out.length;
    this.#dispatched += out.length;
    return out;
  }

  /**
   * Ends the recalculations of ids (whether they succeeded or not); one marked dirty meanwhile goes
   * back to the end of the queue. Ids not in flight (forgotten meanwhile) are skipped.
   */
  complete(ids: Iterable<K>): void {
    for (const id of ids) {
      const s = this.#status.get(id);
      if (s !== IN_FLIGHT && s !== IN_FLIGHT_DIRTY) continue;
      this.#inFlight--;
      if (s === IN_FLIGHT) this.#status.delete(id);
      else {
        this.#status.set(id, DIRTY);
        this.#queue.push(id);
      }
    }
  }

  /** Forgets a removed portfolio: out of the queue, and no longer counted in flight (complete() then skips it). */
  forget(id: K): void {
    const s = this.#status.get(id);
    if (s === undefined) return;
    if (s === DIRTY) this.#queue.remove(id);
    else this.#inFlight--;
    this.#status.delete(id);
  }
}

/**
 * FIFO of distinct ids in a growable ring buffer: push and shift are O(1) amortised. Removal of an
 * arbitrary id (rare: a deleted portfolio) leaves a hole that shift skips.
 */
class IdQueue<K> {
  #buf: (K | undefined)[] = new Array<K | undefined>(16).fill(undefined);
  #head = 0;
  #count = 0;
  #holes = 0;

  get length(): number {
    return this.#count - this.#holes;
  }

  push(id: K): void {
    if (this.#count === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#count) % this.#buf.length] = id;
    this.#count++;
  }

  shift(): K {
    for (;;) {
      const id = this.#buf[this.#head];
      this.#buf[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#buf.length;
      this.#count--;
      if (id !== undefined) return id;
      this.#holes--;
    }
  }

  remove(id: K): void {
    for (let i = 0; i < this.#count; i++) {
      const k = (this.#head + i) % this.#buf.length;
      if (this.#buf[k] === id) {
        this.#buf[k] = undefined;
        this.#holes++;
        return;
      }
    }
  }

  #grow(): void {
    const next = new Array<K | undefined>(this.#buf.length * 2).fill(undefined);
    for (let i = 0; i < this.#count; i++) next[i] = this.#buf[(this.#head + i) % this.#buf.length];
    this.#buf = next;
    this.#head = 0;
  }
}
