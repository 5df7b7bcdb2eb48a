/**
 * Screens the counterparty an order names against the sanctions list, at the gateway, before the
 * order reaches the engine (the engine stays pure and synchronous; docs/COMPLIANCE.md).
 *
 *   - A name seen before under the list in force is answered from a bounded LRU cache: one Map
 *     lookup by the name exactly as sent, no thread round trip.
 *   - Another spelling of a name seen before (case, accents, punctuation, word order of `LAST,
 *     First`…) is found by its normalised form, the form the index itself compares, so it is
 *     not screened again either; normalising costs a few µs, which is why it is the second look.
 *   - An unseen name is screened in the sanctions thread (~1 ms); orders arriving meanwhile with
 *     the same name wait for that one screening instead of asking again.
 *   - `block`: the order is refused with SANCTIONED_COUNTERPARTY. `review`: the order proceeds (a
 *     review is a person's decision, not a refusal). Either way onHit is told, once per customer
 *     (portfolio and user) and name under one list version, so a customer trading with a reviewed
 *     name all day raises one hit, and each new customer meeting it raises their own.
 *   - The screening thread failing (stopped, list unreadable) refuses the order with
 *     SCREENING_UNAVAILABLE: fail closed, since an order with an unscreened counterparty is
 *     exactly what screening exists to stop; orders without a counterparty are not affected.
 *   - The cache is emptied when the list version in force changes (a reload).
 *
 * Only the name is screened: a country given by the trading client is its claim, and as evidence
 * it could lower a listed name's score below review; the name alone decides.
 */
import { normalizeName } from '../engine/compliance/sanctions/normalize-name.js';
import type { ScreeningQuery, ScreeningResult } from '../engine/compliance/sanctions/sanctions-index.js';
import type { LogFn } from '../logger.js';

/** What this asks of the sanctions screening (workers/sanctions/sanctions-thread.ts's SanctionsThread). */
export interface SanctionsScreeningPort {
  /** The list in force; a change of sha256 empties the cache. */
  readonly version: { readonly sha256: string };
  screen(query: ScreeningQuery): Promise<ScreeningResult>;
}

/** A counterparty that screened `review` or `block`, with whom it was for. */
export interface CounterpartyHit {
  readonly portfolioId: string;
  /** The principal that sent the order (its token's sub). */
  readonly userId: string;
  /** The counterparty's name as the order gave it. */
  readonly name: string;
  readonly result: ScreeningResult;
}

export interface CounterpartyScreeningOptions {
  readonly screener: SanctionsScreeningPort;
  /** SANCTIONS_SCREENING_ENABLED: off, every counterparty passes unscreened (default on). */
  readonly enabled?: boolean;
  /** Cache entries at most (a name as sent and its normalised form are one each); the least recently used go first. */
  readonly maxEntries?: number;
  /** A review or block (the integrator raises an alert, and on block halts the customer). Must not throw; if it does, it is logged. */
  readonly onHit?: (hit: CounterpartyHit) => void;
  readonly log?: LogFn;
}

/** The defaults: 20,000 entries hold ~10,000 names, a few MB with their results. */
export const COUNTERPARTY_SCREENING_DEFAULTS = Object.freeze({ enabled: true, maxEntries: 20_000 });

/** The order reject codes of this module (docs/PROTOCOL.md). */
export const COUNTERPARTY_REJECT_CODES = ['SANCTIONED_COUNTERPARTY', 'SCREENING_UNAVAILABLE'] as const;
export type CounterpartyRejectCode = (typeof COUNTERPARTY_REJECT_CODES)[number];

export type CounterpartyVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: CounterpartyRejectCode; readonly message: string };

/** Whom an order is for, as onHit reports it. */
export interface OrderParty {
  readonly portfolioId: string;
  readonly userId: string;
}

const PASS: CounterpartyVerdict = Object.freeze({ ok: true });

interface Entry {
  readonly result: ScreeningResult;
  /** `portfolioId \0 userId` already reported to onHit for this name (review and block only). */
  readonly reported: Set<string> | undefined;
}

/** Normalised keys are kept apart from names as sent by a leading NUL, which a name cannot hold (protocol.ts refuses control characters). */
const NORMALISED = '\u0000';

/** The form the index compares (normalize-name.ts), Arabic-script tokens marked: two names with one key screen alike. */
function normalisedKey(name: string): string {
  let key = NORMALISED;
  for (const t of normalizeName(name, 'unknown').tokens) key += `${t.abjad ? '~' : ''}${t.text} `;
  return key;
}

export class CounterpartyScreening {
  readonly #screener: SanctionsScreeningPort;
  readonly #enabled: boolean;
  readonly #maxEntries: number;
  readonly #onHit: ((hit: CounterpartyHit) => void) | undefined;
  readonly #log: LogFn;
  /** Insertion order is recency: a hit moves its entry to the end, the front is evicted. */
  readonly #cache = new Map<string, Entry>();
  /** Screenings in flight, by normalised key. */
  readonly #inFlight = new Map<string, Promise<Entry>>();
  /** The list version the cache holds results of. */
  #listSha: string;

  constructor(opts: CounterpartyScreeningOptions) {
    const o = { ...COUNTERPARTY_SCREENING_DEFAULTS, ...opts };
    if (!(Number.isInteger(o.maxEntries) && o.maxEntries >= 2)) throw new RangeError(`maxEntries: an integer of at least 2, got ${o.maxEntries}`);
    this.#screener = o.screener;
    this.#enabled = o.enabled;
    this.#maxEntries = o.maxEntries;
    this.#onHit = o.onHit;
    this.#log = o.log ?? (() => {});
    this.#listSha = o.screener.version.sha256;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Cache entries held now. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * The verdict on an order naming `name`: at once when the name is known, else once it is
   * screened. Never rejects: a failed screening is the SCREENING_UNAVAILABLE verdict.
   */
  check(name: string, party: OrderParty): CounterpartyVerdict | Promise<CounterpartyVerdict> {
    if (!this.#enabled) return PASS;
    const sha = this.#screener.version.sha256;
    if (sha !== this.#listSha) this.#newList(sha);
    const known = this.#cache.get(name);
    if (known !== undefined) {
      this.#touch(name, known);
      return known.result.decision === 'clear' ? PASS : this.#verdict(known, name, party);
    }
    return this.#screen(name, party);
  }

  async #screen(name: string, party: OrderParty): Promise<CounterpartyVerdict> {
    const key = normalisedKey(name);
    let entry = this.#cache.get(key);
    if (entry !== undefined) this.#touch(key, entry);
    else {
      try {
        entry = await this.#screenShared(key, name);
      } catch (e) {
        this.#log('error', 'counterparty screening failed; the order is refused (fail closed)', { error: e instanceof Error ? e.message : String(e) });
        return { ok: false, code: 'SCREENING_UNAVAILABLE', message: 'the counterparty could not be screened against the sanctions list (screening unavailable); the order was not sent, retry later' };
      }
    }
    // Only a result of the list still in force is remembered (a reload may have landed meanwhile).
    if (entry.result.listVersion === this.#listSha) this.#remember(name, entry);
    return entry.result.decision === 'clear' ? PASS : this.#verdict(entry, name, party);
  }

  /** One screening per normalised key at a time: the orders that ask meanwhile share it. */
  #screenShared(key: string, name: string): Promise<Entry> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;
    const p = this.#screener.screen({ name }).then((result): Entry => {
      const entry: Entry = { result, reported: result.decision === 'clear' ? undefined : new Set() };
      if (result.listVersion === this.#listSha) this.#remember(key, entry);
      return entry;
    }).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  /** Review or block: onHit once per customer and name, and the verdict. */
  #verdict(entry: Entry, name: string, party: OrderParty): CounterpartyVerdict {
    const who = `${party.portfolioId}\u0000${party.userId}`;
    if (entry.reported !== undefined && !entry.reported.has(who)) {
      entry.reported.add(who);
      try {
        this.#onHit?.({ portfolioId: party.portfolioId, userId: party.userId, name, result: entry.result });
      } catch (e) {
        this.#log('error', 'counterparty screening: onHit threw', { error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (entry.result.decision !== 'block') return PASS;
    return {
      ok: false, code: 'SANCTIONED_COUNTERPARTY',
      message: `counterparty "${name.slice(0, 200)}" matches the sanctions list (version ${entry.result.listVersion.slice(0, 12)}); the order was not sent`,
    };
  }

  #touch(key: string, entry: Entry): void {
    this.#cache.delete(key);
    this.#cache.set(key, entry);
  }

  #remember(key: string, entry: Entry): void {
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    if (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
  }

  #newList(sha: string): void {
    this.#log('info', 'sanctions list changed: counterparty screening cache emptied', { from: this.#listSha.slice(0, 12), to: sha.slice(0, 12), entries: this.#cache.size });
    this.#listSha = sha;
    this.#cache.clear();
  }
}
