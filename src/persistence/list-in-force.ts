/**
 * A screening list in force and its reload, whichever list it is (the SDN list, a PEP list):
 * `reload()` loads and indexes again and swaps the new index in only once it is built, so a
 * screening never sees half a list and a list that cannot be read leaves the old one in force.
 */
export class ListInForce<I extends { readonly version: unknown }> {
  private inFlight: Promise<I['version']> | undefined;

  private constructor(private current: I, private readonly load: () => Promise<I>) {}

  /** Loads the list; rejects with the loader's error when it cannot be read. */
  static async open<I extends { readonly version: unknown }>(load: () => Promise<I>): Promise<ListInForce<I>> {
    return new ListInForce(await load(), load);
  }

  get index(): I {
    return this.current;
  }

  /** Loads again and puts the new list in force; the old one stays when the load fails (rejected with its error). */
  reload(): Promise<I['version']> {
    // Two reloads asked at once share one read: the second would only index the same files again.
    this.inFlight ??= this.load()
      .then((next) => {
        this.current = next;
        return next.version;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
