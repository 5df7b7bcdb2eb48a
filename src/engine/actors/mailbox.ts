/**
 * A bounded FIFO that hands one message at a time, in order, to an injected handler (XState's
 * Mailbox, with a bound). The handler may be sync or async: the next message goes only after the
 * previous one settled. A sync handler runs inside `enqueue` when the mailbox is idle, so a fast
 * actor answers with no extra turn of the event loop.
 *
 * The buffer is a ring preallocated at construction, so enqueue and dequeue allocate nothing. The
 * bound is the back-pressure: when it is full `enqueue` returns false and the caller answers the
 * client `busy` ('MAILBOX_FULL') instead of queueing without limit.
 */
export type MailboxHandler<M> = (msg: M) => void | PromiseLike<void>;
export type MailboxErrorHandler<M> = (error: unknown, msg: M) => void;

export class Mailbox<M> {
  readonly #buffer: (M | undefined)[];
  #head = 0;
  #size = 0;
  #running = false;
  #idleWaiters: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    private readonly handler: MailboxHandler<M>,
    private readonly onError: MailboxErrorHandler<M>,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`Mailbox capacity must be a positive integer, got ${capacity}`);
    this.#buffer = new Array<M | undefined>(capacity).fill(undefined);
  }

  /** Messages waiting (the one being handled is not counted). */
  get size(): number {
    return this.#size;
  }

  /** True while a message is being handled. */
  get busy(): boolean {
    return this.#running;
  }

  /** Queues a message; false, and nothing queued, when the mailbox is full. */
  enqueue(msg: M): boolean {
    if (this.#size === this.capacity) return false;
    this.#buffer[(this.#head + this.#size) % this.capacity] = msg;
    this.#size++;
    if (!this.#running) this.#run();
    return true;
  }

  /** Resolves once every queued message has been handled. */
  idle(): Promise<void> {
    if (!this.#running && this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #take(): M {
    const msg = this.#buffer[this.#head] as M;
    this.#buffer[this.#head] = undefined; // let the message be collected
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    return msg;
  }

  /**
   * Handles messages until the queue is empty. Synchronous while the handler is: only a handler
   * that returns a promise costs a continuation, so a sync actor allocates nothing per message.
   */
  #run(): void {
    this.#running = true;
    while (this.#size > 0) {
      const msg = this.#take();
      let r: void | PromiseLike<void>;
      try {
        r = this.handler(msg);
      } catch (e) {
        this.#report(e, msg);
        continue;
      }
      if (r !== undefined && typeof (r as PromiseLike<void>).then === 'function') {
        (r as PromiseLike<void>).then(
          () => this.#run(),
          (e: unknown) => {
            this.#report(e, msg);
            this.#run();
          },
        );
        return; // still running: the continuation takes the next message
      }
    }
    this.#running = false;
    if (this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #report(error: unknown, msg: M): void {
    try {
      this.onError(error, msg);
    } catch (e) {
      // A failing error reporter must not wedge the mailbox; surface its error outside the loop.
      queueMicrotask(() => {
        throw e;
      });
    }
  }
}
