/**
 * The durability seam: what the engine asks of whatever makes its changes durable (the
 * PostgreSQL journal in src/persistence). The engine stays free of I/O: it hands over each
 * change and holds the client-visible answer (ack, fill, the REST reply) until `record`'s promise
 * resolves, which the journal promises to do only once the change is durable.
 */
import type { PortfolioEvent, PortfolioState } from '../actors/types.js';

export type JournalEntry =
  | {
      readonly kind: 'created';
      readonly state: PortfolioState;
      readonly by: string;
    }
  | {
      readonly kind: 'changed';
      /** The events of one message, in order (only messages that changed state are recorded). */
      readonly events: readonly PortfolioEvent[];
      readonly before: PortfolioState;
      readonly after: PortfolioState;
      /** Who sent the message (JWT subject), or `engine` for what ticks caused. */
      readonly by: string;
    }
  | {
      /** A risk manager changed a symbol's tick band (market/tick-guard.ts): audited, nothing else stored. */
      readonly kind: 'bandChanged';
      readonly symbol: string;
      readonly before: number;
      readonly after: number;
      /** The held tick the new band released, if any. */
      readonly released?: { readonly price: number; readonly ts: number };
      readonly by: string;
    }
  | {
      /**
       * A security or operations event (a login locked, roles changed, a dead letter replayed, a
       * data key shredded): its hash-chained audit record is all it stores.
       */
      readonly kind: 'audited';
      /** Who did it: a user id, `anonymous`, or `engine`. */
      readonly actor: string;
      /** e.g. dead_letter.replayed, data_key.shredded, user.roles.changed. */
      readonly action: string;
      readonly entityType: string;
      readonly entityId: string;
      /** Plain JSON values (stored as jsonb); undefined is stored as null. */
      readonly before: unknown;
      readonly after: unknown;
    };

export interface EventJournal {
  /**
   * Resolves once the entry is durable (a journal retries until it is). Rejects only with a
   * PartitionMovedError (code PARTITION_MOVING, src/engine/cluster/partition-moved-error.ts) when
   * the entry's portfolio belongs to a partition this engine does not own or stops owning before
   * the entry is committed: nothing of it is acknowledged. Entries of no portfolio never reject.
   */
  record(entry: JournalEntry): Promise<void>;
  /** Resolves once everything recorded so far is settled: durable, or rejected (its partition moved). */
  flush(): Promise<void>;
}

/** Whether an event changes what must survive a crash (rejections and risk results do not). */
export function isDurableEvent(e: PortfolioEvent): boolean {
  switch (e.type) {
    case 'OrderAccepted': case 'OrderFilled': case 'OrderCancelled': case 'OrderReplaced': case 'OrderTriggered':
    case 'PositionChanged': case 'LimitsChanged': case 'TradingStateChanged':
      return true;
    default:
      return false;
  }
}
