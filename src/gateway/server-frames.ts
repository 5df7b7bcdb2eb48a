/**
 * The frames the server sends, as zod schemas, for the AsyncAPI document (asyncapi.ts) and for
 * tests that check real frames against it. The server builds these frames from the types in
 * protocol.ts and never parses them; the compile-time checks at the end make every frame the server
 * can build one these schemas accept, so the document cannot drift from the code.
 */
import * as z from 'zod';
import type { StreamedRisk } from '../engine/actors/streamed-risk.js';
import type {
  AckOut, AlertOut, AuthenticatedOut, ErrorOut, FillOut, OrderUpdateOut, RejectOut, SubscribedOut, TickAckOut, TickOut,
} from './protocol.js';
import { Channel, OrderSide, OrderType } from './protocol.js';

const Id = z.union([z.string(), z.number()]).describe("the request's id, echoed");
const OrderStatus = z.enum(['open', 'filled', 'cancelled']);
const Greeks = { delta: z.number(), gamma: z.number(), vega: z.number(), theta: z.number(), rho: z.number() };

export const AuthenticatedFrame = z.object({
  type: z.literal('authenticated'), id: Id.optional(), sub: z.string(),
  grants: z.array(z.object({ role: z.string(), portfolios: z.array(z.string()) })),
  roles: z.array(z.string()),
  expMs: z.number().describe("the credential's expiry, epoch ms: re-authenticate before it"),
});
export const SubscribedFrame = z.object({ type: z.literal('subscribed'), id: Id.optional(), channel: Channel, portfolioId: z.string().optional(), symbol: z.string().optional() });
export const UnsubscribedFrame = z.object({ ...SubscribedFrame.shape, type: z.literal('unsubscribed') });
export const OrderAckFrame = z.object({
  type: z.literal('ack'), id: Id.optional(), orderId: z.string().optional(), clientOrderId: z.string().optional(), status: OrderStatus.optional(),
  filledQty: z.number().optional().describe('contracts/shares filled so far'),
});
export const TickAckFrame = z.union([
  z.object({ type: z.literal('ack'), id: Id.optional(), status: z.literal('accepted') }),
  z.object({ type: z.literal('ack'), id: Id.optional(), status: z.literal('held'), code: z.literal('TICK_HELD'), symbol: z.string(), price: z.number() }),
]);
export const RejectFrame = z.object({
  type: z.literal('reject'), id: Id.optional(), code: z.string().describe('engine reason code, or a counterparty screening code'), reason: z.string(),
  clientOrderId: z.string().optional(), orderId: z.string().optional(),
});
export const FillFrame = z.object({
  type: z.literal('fill'), fillId: z.string(), orderId: z.string(), clientOrderId: z.string(), portfolioId: z.string(), instrument: z.string(), side: OrderSide,
  qty: z.number(), price: z.number().describe('per share, or option premium per share'), ts: z.number().describe('engine clock, epoch ms'),
});
export const OrderUpdateFrame = z.object({
  type: z.literal('order'), orderId: z.string(), clientOrderId: z.string(), portfolioId: z.string(), instrument: z.string(), side: OrderSide, qty: z.number(),
  orderType: OrderType, limitPrice: z.number().optional(), stopPrice: z.number().optional(), status: OrderStatus, filledQty: z.number(), updatedMs: z.number(),
});
export const RiskFrame = z.object({
  type: z.literal('risk'), portfolioId: z.string(), seq: z.number().describe('+1 per snapshot of the portfolio'),
  tickTs: z.number().describe('ts of the newest tick included, 0 before any'), computedMs: z.number(),
  greeks: z.object(Greeks),
  byUnderlying: z.record(z.string(), z.object({ spot: z.number(), ...Greeks, dollarDelta: z.number(), dollarGamma: z.number() })),
  marketValue: z.number(), equity: z.number(),
  pnl: z.object({ realised: z.number(), unrealised: z.number(), total: z.number() }),
  var: z.object({ method: z.literal('delta-gamma'), confidence: z.number(), value: z.number(), esConfidence: z.number(), es: z.number() }),
  margin: z.object({ method: z.literal('span'), requirement: z.number(), computedMs: z.number() }),
  leverage: z.number(),
  breaches: z.array(z.object({ code: z.string(), detail: z.string() })),
});
export const TickFrame = z.object({ type: z.literal('tick'), symbol: z.string(), price: z.number(), ts: z.number().describe('as the feed sent it') });
export const AlertFrame = z.object({
  type: z.literal('alert'), alertId: z.string().describe('a decimal string; ids only grow'), rule: z.string(), severity: z.enum(['low', 'medium', 'high']),
  state: z.enum(['open', 'investigating', 'escalated', 'closed_no_action', 'reported']), customerId: z.string().nullable(), portfolioId: z.string(), fillId: z.string(),
  notional: z.number(), assignee: z.string().nullable(), createdMs: z.number(), updatedMs: z.number(),
  evidence: z.object({ fillIds: z.array(z.string()), orderIds: z.array(z.string()), figures: z.record(z.string(), z.unknown()) }),
});
export const ErrorFrame = z.object({ type: z.literal('error'), id: Id.optional(), code: z.string(), message: z.string() });

// ---- every frame the server builds is one its schema accepts (compile time) ----

type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
/** true when every value of type Sent is accepted by Schema. */
type Covers<Schema extends z.ZodType, Sent> = DeepMutable<Sent> extends z.infer<Schema> ? true : false;
const covered: [
  Covers<typeof AuthenticatedFrame, AuthenticatedOut>,
  Covers<typeof SubscribedFrame | typeof UnsubscribedFrame, SubscribedOut>,
  Covers<typeof OrderAckFrame, AckOut>,
  Covers<typeof TickAckFrame, TickAckOut>,
  Covers<typeof RejectFrame, RejectOut>,
  Covers<typeof FillFrame, FillOut>,
  Covers<typeof OrderUpdateFrame, OrderUpdateOut>,
  // RiskOut (protocol.ts) names the engine's snapshot; the wire carries it under the protocol's names (streamed-risk.ts).
  Covers<typeof RiskFrame, { type: 'risk' } & StreamedRisk>,
  Covers<typeof TickFrame, TickOut>,
  Covers<typeof AlertFrame, AlertOut>,
  Covers<typeof ErrorFrame, ErrorOut>,
] = [true, true, true, true, true, true, true, true, true, true, true];
void covered;

