/**
 * Reason codes the actors add to those of the pre-trade limits (limits/reason-codes.ts), which pass
 * through as they are. Like those, a code never changes meaning once released.
 */
export const ACTOR_REASON_CODES = [
  /** Cancel or replace of an order that is not open (unknown, filled or cancelled). */
  'UNKNOWN_ORDER',
  /** No last price of the underlying yet, so the order can be neither priced nor filled. */
  'NO_MARKET',
  /** An option not held and with no implied vol from the market: it cannot be valued. */
  'NO_VOL',
  /** The portfolio's mailbox is full; the caller answers `busy` and the client may retry. */
  'MAILBOX_FULL',
  /** The actor threw while handling the request; its state is unchanged. */
  'ACTOR_FAILED',
  /**
   * The order's clientOrderId was already accepted in this portfolio with other fields; the
   * reject names that order's orderId. (The same fields get that order's answer instead.)
   */
  'DUPLICATE_CLIENT_ORDER_ID',
] as const;

export type ActorReasonCode = (typeof ACTOR_REASON_CODES)[number];
