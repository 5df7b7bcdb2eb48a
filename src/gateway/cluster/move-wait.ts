/**
 * Messages for a partition that has no reachable owner wait here, bounded in time (each until its
 * deadline) and in count (the whole engine), and are looked at again whenever the routing map or a
 * link changes (recheck). A wait ends with the route found, or with why not.
 */
export type WaitEnd<R> = { readonly route: R } | { readonly refused: 'timedOut' | 'full' };

interface Waiter<R> {
  readonly find: () => R | undefined;
  readonly done: (end: WaitEnd<R>) => void;
  readonly timer: NodeJS.Timeout;
}

export class MoveWait<R> {
  /** In arrival order, so messages of one partition leave in the order they came. */
  private readonly waiters = new Set<Waiter<R>>();

  constructor(private readonly maxWaiting: number) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Waits until `find` gives a route (asked again at each recheck) or `untilMs` (Date.now) passes. */
  wait(find: () => R | undefined, untilMs: number): Promise<WaitEnd<R>> {
    const now = find();
    if (now !== undefined) return Promise.resolve({ route: now });
    if (this.waiters.size >= this.maxWaiting) return Promise.resolve({ refused: 'full' });
    return new Promise((resolve) => {
      const w: Waiter<R> = {
        find,
        done: (end) => {
          clearTimeout(w.timer);
          this.waiters.delete(w);
          resolve(end);
        },
        timer: setTimeout(() => w.done({ refused: 'timedOut' }), Math.max(0, untilMs - Date.now())),
      };
      this.waiters.add(w);
    });
  }

  /** The routing map or a link changed: every waiter whose route is now known goes, in order. */
  recheck(): void {
    for (const w of [...this.waiters]) {
      const r = w.find();
      if (r !== undefined) w.done({ route: r });
    }
  }

  /** Shutting down: every waiter is refused now. */
  close(): void {
    for (const w of [...this.waiters]) w.done({ refused: 'timedOut' });
  }
}
