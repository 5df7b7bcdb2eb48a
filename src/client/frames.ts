/**
 * The frames the client sends and receives, typed from the gateway's own definitions
 * (src/gateway/protocol.ts: the zod schemas for what the server accepts, the types for what it
 * sends). Type-only imports: nothing of the server is bundled into a browser build.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { StreamedRisk } from '../engine/actors/streamed-risk.js';
import type {
  AckOut, AlertOut, AuthenticatedOut, CancelMsg, ErrorOut, FillOut, OrderMsg, OrderUpdateOut, RejectOut, ReplaceMsg, SubscribeMsg, SubscribedOut, TickAckOut, TickMsg,
} from '../gateway/protocol.js';
import type { FrameData } from './socket.js';

export type { AckOut, AlertOut, AuthenticatedOut, ErrorOut, FillOut, OrderUpdateOut, RejectOut, SubscribedOut, TickAckOut };
/** A `risk` frame: the snapshot under the protocol's names (theta, not thetaPerYear). */
export type RiskOut = { type: 'risk' } & StreamedRisk;

export type MsgId = string | number;
export type Channel = SubscribeMsg['channel'];

/** A new order; `clientOrderId` is generated when absent. */
export type NewOrder = Omit<OrderMsg, 'type' | 'id' | 'clientOrderId'> & { clientOrderId?: string };
export type CancelOrder = Omit<CancelMsg, 'type' | 'id'>;
export type ReplaceOrder = Omit<ReplaceMsg, 'type' | 'id'>;
export type Tick = Omit<TickMsg, 'type'>;
export interface SubscriptionTarget {
  readonly portfolioId?: string;
  readonly symbol?: string;
}

/** Anything the protocol accepts from a client except `auth` (the client sends that itself). */
export type OutboundMsg = OrderMsg | CancelMsg | ReplaceMsg | TickMsg | SubscribeMsg | (Omit<SubscribeMsg, 'type'> & { type: 'unsubscribe' });

/** Server frames by `type`. */
export interface ServerFrames {
  authenticated: AuthenticatedOut;
  subscribed: SubscribedOut;
  unsubscribed: SubscribedOut;
  ack: AckOut | TickAckOut;
  reject: RejectOut;
  fill: FillOut;
  order: OrderUpdateOut;
  risk: RiskOut;
  tick: { type: 'tick'; symbol: string; price: number; ts: number };
  alert: AlertOut;
  error: ErrorOut;
}

/** What an order, cancel or replace comes back as: the engine's `ack` or its `reject` (a value, not an error). */
export type OrderReply = AckOut | RejectOut;

/** MessagePack both ways, one encoder and decoder per client (the protocol's only encoding: text frames are BAD_FRAME). */
export class FrameCodec {
  private readonly encoder = new Encoder({ ignoreUndefined: true });
  private readonly decoder = new Decoder();

  /** A fresh buffer per frame (not the shared one): a socket may queue a frame and send it later. */
  encode(msg: object): Uint8Array {
    return this.encoder.encode(msg);
  }

  /** Throws on bytes that are not MessagePack; the caller turns that into BAD_FRAME. */
  decode(data: FrameData): unknown {
    return this.decoder.decode(data);
  }
}
