/**
 * The wire protocol: every inbound shape is a zod schema here and nowhere else (the websocket
 * messages and the REST bodies share the order fields). Outbound messages are plain types: the
 * server builds them, so they need no runtime check. See docs/PROTOCOL.md.
 */
import * as z from 'zod';
import { identifier } from './text-schemas.js';
import type { Fill, Order, RiskSnapshot } from '../engine/actors/types.js';
import type { AmlAlertView } from '../persistence/aml-alert-queries.js';
import { isCountryCode } from '../engine/compliance/kyc/countries.js';

// Bounds keep a hostile client from making the engine hold large strings.
const Name = identifier(64);
const Ticker = identifier(32);
const PositiveFinite = z.number().positive();
/**
 * Bounds on what a client may send, far beyond any real book: a quantity or price of 1e308 is
 * finite, but its notional is not, and Infinity must never reach the engine's arithmetic.
 */
const MAX_QTY = 1e9;
const MAX_PRICE = 1e9;
const MAX_CASH = 1e15;
const Quantity = z.number().positive().max(MAX_QTY);
const Price = z.number().positive().max(MAX_PRICE);
const Id = z.union([identifier(128, 0), z.number()]);
/**
 * Any number, NaN and ±Infinity included: a tick's price and ts are judged by the engine's
 * market-data checks (TICK_PRICE_INVALID, TICK_CLOCK_SKEW), one rule for every feed.
 */
const AnyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });

/** `alerts`: every new AML alert, to compliance officers only (no portfolioId or symbol). */
export const Channel = z.enum(['risk', 'orders', 'market', 'alerts']);
export type Channel = z.infer<typeof Channel>;

export const OrderSide = z.enum(['buy', 'sell']);
export const OrderType = z.enum(['market', 'limit', 'stop', 'take_profit']);

/** The fields of a new order, shared by the websocket `order` message and POST /trades. */
export const OrderFields = {
  portfolioId: Name,
  clientOrderId: Name,
  /** Underlying ticker or OCC option symbol. */
  instrument: Ticker,
  side: OrderSide,
  /** Shares or contracts. */
  qty: Quantity,
  orderType: OrderType,
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
};

/**
 * The other side of a negotiated (OTC) or give-up trade. The name is screened against the sanctions
 * list before the order reaches the engine (counterparty-screening.ts). Control characters and
 * lone surrogates are refused: PostgreSQL's text and jsonb cannot hold them, and a journal batch
 * that cannot be projected would hold up every later one.
 */
export const CounterpartyField = z.strictObject({
  name: z.string().trim().min(1).max(200).refine((n) => !/[\p{Cc}\p{Cs}]/u.test(n), { message: 'no control characters or unpaired surrogates' }),
  /** ISO 3166-1 alpha-2, upper case (e.g. "IR"). */
  country: z.string().refine(isCountryCode, { message: 'an ISO 3166-1 alpha-2 code in upper case, e.g. "DE"' }).optional(),
});
export type CounterpartyField = z.infer<typeof CounterpartyField>;

/** `auth`: an access token, or an API key (programs: feeds, bots), exactly one of them. */
export const AuthMsg = z
  .strictObject({ type: z.literal('auth'), id: Id.optional(), token: z.string().min(1).max(8192).optional(), apiKey: z.string().min(1).max(512).optional() })
  .refine((m) => (m.token === undefined) !== (m.apiKey === undefined), { message: 'send exactly one of token and apiKey' });
export const SubscribeMsg = z.strictObject({
  type: z.literal('subscribe'),
  id: Id.optional(),
  channel: Channel,
  /** risk / orders: one portfolio; omitted = every portfolio the token may watch. */
  portfolioId: Name.optional(),
  /** market: one symbol; omitted = every symbol. */
  symbol: Ticker.optional(),
});
export const UnsubscribeMsg = z.strictObject({ ...SubscribeMsg.shape, type: z.literal('unsubscribe') });
export const TickMsg = z.strictObject({
  type: z.literal('tick'),
  id: Id.optional(),
  symbol: Ticker,
  price: AnyNumber,
  /** Sender clock, epoch milliseconds (fractional allowed); within TICK_MAX_SKEW_MS of the engine's. */
  ts: AnyNumber,
});
/** `counterparty` is the websocket's only (POST /trades does not take one yet: it refuses the key). */
export const OrderMsg = z.strictObject({ type: z.literal('order'), id: Id.optional(), ...OrderFields, counterparty: CounterpartyField.optional() });
export const CancelMsg = z.strictObject({ type: z.literal('cancel'), id: Id.optional(), portfolioId: Name, orderId: Name });
export const ReplaceMsg = z.strictObject({
  type: z.literal('replace'),
  id: Id.optional(),
  portfolioId: Name,
  orderId: Name,
  qty: Quantity.optional(),
  limitPrice: Price.optional(),
  stopPrice: Price.optional(),
});

export const ClientMsg = z.discriminatedUnion('type', [AuthMsg, SubscribeMsg, UnsubscribeMsg, TickMsg, OrderMsg, CancelMsg, ReplaceMsg]);
export type ClientMsg = z.infer<typeof ClientMsg>;
export type AuthMsg = z.infer<typeof AuthMsg>;
export type SubscribeMsg = z.infer<typeof SubscribeMsg>;
export type UnsubscribeMsg = z.infer<typeof UnsubscribeMsg>;
export type TickMsg = z.infer<typeof TickMsg>;
export type OrderMsg = z.infer<typeof OrderMsg>;
export type CancelMsg = z.infer<typeof CancelMsg>;
export type ReplaceMsg = z.infer<typeof ReplaceMsg>;

export const CLIENT_MSG_TYPES: readonly string[] = ['auth', 'subscribe', 'unsubscribe', 'tick', 'order', 'cancel', 'replace'];

// ---- REST bodies ----

const LimitsPatch = z.strictObject({
  maxOrderNotional: PositiveFinite,
  maxOrderQty: PositiveFinite,
  maxPositionQty: PositiveFinite,
  maxAbsDollarDelta: PositiveFinite,
  maxAbsDollarGamma: PositiveFinite,
  maxAbsVega: PositiveFinite,
  maxVar: PositiveFinite,
  maxLeverage: PositiveFinite,
  maxConcentration: PositiveFinite,
  concentrationMinGrossExposure: z.number().nonnegative(),
  priceCollarFraction: PositiveFinite,
  submitRateLimit: PositiveFinite,
  submitRateIntervalMs: PositiveFinite,
  modifyRateLimit: PositiveFinite,
  modifyRateIntervalMs: PositiveFinite,
}).partial();

export const TradingStateValue = z.enum(['active', 'reducing', 'halted']);

/** A user id as the identity store makes them (UUIDs) or a token's subject names one: no spaces or control characters. */
const UserId = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'a user id: letters, digits and . _ : @ -');

export const CreatePortfolioBody = z.strictObject({
  portfolioId: Name,
  /** The customer whose portfolio it is (their user id): KYC-gated and halted with them. Omitted: a house portfolio. */
  ownerId: UserId.optional(),
  /** Currency. */
  cash: z.number().min(-MAX_CASH).max(MAX_CASH),
  positions: z
    .array(
      z.strictObject({
        instrument: Ticker,
        /** Signed shares or contracts; negative is short. */
        qty: z.number().min(-MAX_QTY).max(MAX_QTY),
        /** Implied vol for an option, per year (0.2 = 20 %). */
        vol: PositiveFinite.max(10).optional(),
        multiplier: PositiveFinite.max(1e6).optional(),
        dividendYield: z.number().min(-1).max(1).optional(),
        avgPrice: z.number().nonnegative().max(MAX_PRICE).optional(),
      }),
    )
    .max(10_000)
    .optional(),
  limits: LimitsPatch.optional(),
});
export type CreatePortfolioBody = z.infer<typeof CreatePortfolioBody>;

/** Limit fields either nested in `limits` or at the top level next to portfolioId (merged; top level wins). */
export const SetLimitsBody = z
  .strictObject({ portfolioId: Name, limits: LimitsPatch.optional(), tradingState: TradingStateValue.optional(), ...LimitsPatch.shape })
  .transform(({ portfolioId, limits, tradingState, ...flat }) => {
    const merged = { ...limits, ...flat };
    return { portfolioId, tradingState, limits: Object.keys(merged).length > 0 ? merged : undefined };
  })
  .refine((b) => b.limits !== undefined || b.tradingState !== undefined, { message: 'give limits, tradingState or both' });
export type SetLimitsBody = z.infer<typeof SetLimitsBody>;

export const SubmitTradeBody = z.strictObject(OrderFields);
export type SubmitTradeBody = z.infer<typeof SubmitTradeBody>;

/** POST /market/band: one symbol's tick band, a fraction (0.5 = 50%); null = back to TICK_MAX_JUMP. */
export const SetTickBandBody = z.strictObject({ symbol: Ticker, maxJump: z.number().positive().max(100).nullable() });
export type SetTickBandBody = z.infer<typeof SetTickBandBody>;

// ---- server → client ----

type MsgId = string | number;
export interface AuthenticatedOut { type: 'authenticated'; id?: MsgId; sub: string; grants: readonly { role: string; portfolios: readonly string[] }[]; roles: readonly string[]; expMs: number }
export interface SubscribedOut { type: 'subscribed' | 'unsubscribed'; id?: MsgId; channel: Channel; portfolioId?: string; symbol?: string }
export interface AckOut { type: 'ack'; id?: MsgId; orderId?: string; clientOrderId?: string; status?: Order['status']; filledQty?: number }
/**
 * The answer to a tick: `accepted` only when the tick had an id; `held` always (rare, and the feed
 * must be able to tell), with the code TICK_HELD and the tick's symbol and price.
 */
export type TickAckOut =
  | { type: 'ack'; id?: MsgId; status: 'accepted' }
  | { type: 'ack'; id?: MsgId; status: 'held'; code: 'TICK_HELD'; symbol: string; price: number };
export interface RejectOut { type: 'reject'; id?: MsgId; code: string; reason: string; clientOrderId?: string; orderId?: string }
export type FillOut = { type: 'fill' } & Pick<Fill, 'fillId' | 'orderId' | 'clientOrderId' | 'portfolioId' | 'instrument' | 'side' | 'qty' | 'price' | 'ts'>;
export type OrderUpdateOut = { type: 'order' } & Pick<Order, 'orderId' | 'clientOrderId' | 'portfolioId' | 'instrument' | 'side' | 'qty' | 'orderType' | 'status' | 'filledQty' | 'updatedMs'> & Partial<Pick<Order, 'limitPrice' | 'stopPrice'>>;
export type RiskOut = { type: 'risk' } & RiskSnapshot;
export interface TickOut { type: 'tick'; symbol: string; price: number; ts: number }
export interface ErrorOut { type: 'error'; id?: MsgId; code: string; message: string }
/**
 * A new AML alert on the `alerts` channel, as GET /compliance/alerts lists it (its id is `alertId`:
 * `id` is the request id every reply echoes). Sent once it is stored, in the order the engine hears of
 * them; one missed while away is read with GET /compliance/alerts (ids only grow).
 */
export type AlertOut = { type: 'alert' } & AmlAlertView;

export type ServerMsg = AuthenticatedOut | SubscribedOut | AckOut | TickAckOut | RejectOut | FillOut | OrderUpdateOut | RiskOut | TickOut | ErrorOut | AlertOut;

export function fillOut(f: Fill): FillOut {
  return { type: 'fill', fillId: f.fillId, orderId: f.orderId, clientOrderId: f.clientOrderId, portfolioId: f.portfolioId, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, ts: f.ts };
}

export function orderUpdateOut(o: Order): OrderUpdateOut {
  return {
    type: 'order', orderId: o.orderId, clientOrderId: o.clientOrderId, portfolioId: o.portfolioId, instrument: o.instrument, side: o.side,
    qty: o.qty, orderType: o.orderType, limitPrice: o.limitPrice, stopPrice: o.stopPrice, status: o.status, filledQty: o.filledQty, updatedMs: o.updatedMs,
  };
}

export function alertOut(a: AmlAlertView): AlertOut {
  return { type: 'alert', ...a };
}

export function riskOut(r: RiskSnapshot): RiskOut {
  return { type: 'risk', ...r };
}
