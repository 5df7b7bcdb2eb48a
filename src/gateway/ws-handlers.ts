/**
 * One inbound websocket frame: decode → validate (zod) → authenticate → authorise → call the
 * engine → encode the reply. Every failure is an `error {code, message}` reply (with the
 * message's `id` when it had one) and the connection stays up.
 */
import type { EngineApi, OrderOutcome } from '../engine/runtime/engine-api.js';
import type { Principal, TokenVerifier } from './auth.js';
import { authorize, coversAll } from './authorize.js';
import type { Codec } from './codec.js';
import { CLOSE_CODES, type GatewayError, errors } from './errors.js';
import {
  type AuthMsg, type CancelMsg, CLIENT_MSG_TYPES, ClientMsg, type OrderMsg, type ReplaceMsg, type SubscribeMsg, type TickMsg, type UnsubscribeMsg, fillOut,
} from './protocol.js';
import type { Subscriptions } from './subscriptions.js';
import { type Session, WILDCARD, pendingKey } from './ws-session.js';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface WsContext {
  readonly engine: EngineApi;
  readonly codec: Codec;
  readonly subs: Subscriptions;
  readonly verifier: TokenVerifier;
  readonly log: LogFn;
}

type MsgId = string | number | undefined;
const KNOWN_TYPES = new Set(CLIENT_MSG_TYPES);
/** Refused `auth` messages tolerated per connection; each costs a JWT verification (~300 µs). */
export const MAX_AUTH_FAILURES = 3;

function sendError(s: Session, id: MsgId, e: GatewayError | { code: string; message: string }): void {
  s.sendReliable({ type: 'error', id, code: e.code, message: e.message });
}

export function handleFrame(ctx: WsContext, s: Session, ab: ArrayBuffer, isBinary: boolean): void {
  if (!isBinary) return sendError(s, undefined, errors.textFrame());
  const decoded = ctx.codec.decode(ab);
  if (!decoded.ok) return sendError(s, undefined, decoded.error);
  const raw = decoded.value;
  const id: MsgId = typeof raw.id === 'string' || typeof raw.id === 'number' ? raw.id : undefined;
  const type = raw.type;
  if (typeof type === 'string' && !KNOWN_TYPES.has(type)) return sendError(s, id, errors.unknownType(type, CLIENT_MSG_TYPES));
  const parsed = ClientMsg.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return sendError(s, id, errors.invalid(issue?.path ?? [], issue?.message ?? 'invalid'));
  }
  const msg = parsed.data;
  if (msg.type === 'auth') {
    void handleAuth(ctx, s, msg);
    return;
  }
  const p = s.principal;
  if (p === null) return sendError(s, id, errors.unauthenticated(s.authenticating ? 'authentication in progress; wait for "authenticated"' : 'send auth {token} first, or connect with ?token='));
  if (p.expMs <= Date.now()) {
    sendError(s, id, errors.unauthenticated('token expired'));
    s.end(CLOSE_CODES.TOKEN_EXPIRED, 'token expired');
    return;
  }
  switch (msg.type) {
    case 'subscribe':
      return handleSubscribe(ctx, s, p, msg);
    case 'unsubscribe':
      return handleUnsubscribe(ctx, s, p, msg);
    case 'tick':
      return handleTick(ctx, s, p, msg);
    case 'order':
      void handleOrder(ctx, s, p, msg);
      return;
    case 'cancel':
      void handleCancel(ctx, s, p, msg);
      return;
    case 'replace':
      void handleReplace(ctx, s, p, msg);
      return;
  }
}

async function handleAuth(ctx: WsContext, s: Session, msg: AuthMsg): Promise<void> {
  if (s.principal !== null || s.authenticating) return sendError(s, msg.id, errors.alreadyAuthenticated());
  s.authenticating = true;
  const r = await ctx.verifier.verify(msg.token, Date.now(), false);
  s.authenticating = false;
  if (s.closed) return;
  if (!r.ok) {
    sendError(s, msg.id, errors.unauthenticated(r.reason));
    if (++s.authFailures >= MAX_AUTH_FAILURES) s.end(CLOSE_CODES.AUTH_FAILED, 'too many refused auth messages');
    return;
  }
  s.principal = r.principal;
  clearTimeout(s.authTimer);
  const p = r.principal;
  s.sendReliable({ type: 'authenticated', id: msg.id, sub: p.sub, roles: [...p.roles], portfolios: p.portfolios === null ? [WILDCARD] : [...p.portfolios] });
}

/** The portfolio keys a risk/orders (un)subscription names: one id, "*", or each covered id. */
function portfolioKeys(p: Principal, portfolioId: string | undefined): readonly string[] {
  if (portfolioId !== undefined) return [portfolioId];
  if (coversAll(p)) return [WILDCARD];
  return [...(p.portfolios ?? [])];
}

function handleSubscribe(ctx: WsContext, s: Session, p: Principal, msg: SubscribeMsg): void {
  if (msg.channel === 'market') {
    const denied = authorize(p, 'read');
    if (denied) return sendError(s, msg.id, errors.forbidden(denied));
    ctx.subs.subscribe(s, 'market', msg.symbol ?? WILDCARD);
    return s.sendReliable({ type: 'subscribed', id: msg.id, channel: msg.channel, symbol: msg.symbol });
  }
  const denied = authorize(p, 'read', msg.portfolioId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  for (const key of portfolioKeys(p, msg.portfolioId)) ctx.subs.subscribe(s, msg.channel, key);
  s.sendReliable({ type: 'subscribed', id: msg.id, channel: msg.channel, portfolioId: msg.portfolioId });
  // A new risk subscriber gets the latest snapshot at once instead of waiting for the next tick.
  if (msg.channel === 'risk' && msg.portfolioId !== undefined) {
    const latest = ctx.engine.getRisk(msg.portfolioId);
    if (latest) s.sendReliable({ type: 'risk', ...latest });
  }
}

function handleUnsubscribe(ctx: WsContext, s: Session, p: Principal, msg: UnsubscribeMsg): void {
  if (msg.channel === 'market') ctx.subs.unsubscribe(s, 'market', msg.symbol ?? WILDCARD);
  else for (const key of portfolioKeys(p, msg.portfolioId)) ctx.subs.unsubscribe(s, msg.channel, key);
  s.sendReliable({ type: 'unsubscribed', id: msg.id, channel: msg.channel, portfolioId: msg.portfolioId, symbol: msg.symbol });
}

function handleTick(ctx: WsContext, s: Session, p: Principal, msg: TickMsg): void {
  const denied = authorize(p, 'tick');
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  const r = ctx.engine.tick(msg.symbol, msg.price, msg.ts);
  if (!r.ok) return sendError(s, msg.id, { code: r.code, message: r.reason });
  // Ticks are acknowledged only when asked for (an id), so a feed is not flooded with acks.
  if (msg.id !== undefined) s.sendReliable({ type: 'ack', id: msg.id });
}

function replyOutcome(ctx: WsContext, s: Session, id: MsgId, out: OrderOutcome, orderId?: string): void {
  if (out.kind === 'reject') {
    s.sendReliable({ type: 'reject', id, code: out.code, reason: out.reason, clientOrderId: out.clientOrderId, orderId: orderId ?? out.orderId });
    return;
  }
  const o = out.order;
  s.sendReliable({ type: 'ack', id, orderId: o.orderId, clientOrderId: o.clientOrderId, status: o.status, filledQty: o.filledQty });
  ctx.subs.trackOrder(s, o);
  for (const f of out.fills) s.sendReliable(fillOut(f));
}

function engineFailed(ctx: WsContext, s: Session, id: MsgId, what: string, e: unknown): void {
  ctx.log('error', `engine ${what} failed`, { error: e instanceof Error ? e.message : String(e) });
  sendError(s, id, errors.internal(`engine ${what} failed`));
}

async function handleOrder(ctx: WsContext, s: Session, p: Principal, msg: OrderMsg): Promise<void> {
  const denied = authorize(p, 'trade', msg.portfolioId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  const { type: _type, id, portfolioId, ...req } = msg;
  const key = pendingKey(portfolioId, req.clientOrderId);
  s.pendingOrders.add(key);
  let out: OrderOutcome;
  try {
    out = await ctx.engine.submitOrder(portfolioId, req, p.sub);
  } catch (e) {
    return engineFailed(ctx, s, id, 'submitOrder', e);
  } finally {
    s.pendingOrders.delete(key);
  }
  if (out.kind === 'reject' && out.clientOrderId === undefined) out = { ...out, clientOrderId: req.clientOrderId };
  replyOutcome(ctx, s, id, out);
}

async function handleCancel(ctx: WsContext, s: Session, p: Principal, msg: CancelMsg): Promise<void> {
  const denied = authorize(p, 'trade', msg.portfolioId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  let out: OrderOutcome;
  try {
    out = await ctx.engine.cancelOrder(msg.portfolioId, msg.orderId, p.sub);
  } catch (e) {
    return engineFailed(ctx, s, msg.id, 'cancelOrder', e);
  }
  replyOutcome(ctx, s, msg.id, out, msg.orderId);
}

async function handleReplace(ctx: WsContext, s: Session, p: Principal, msg: ReplaceMsg): Promise<void> {
  const denied = authorize(p, 'trade', msg.portfolioId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  const { type: _type, id, portfolioId, orderId, ...changes } = msg;
  // A replaced limit that now crosses fills at once; hold that fill until after the ack.
  s.pendingOrders.add(orderId);
  let out: OrderOutcome;
  try {
    out = await ctx.engine.replaceOrder(portfolioId, orderId, changes, p.sub);
  } catch (e) {
    return engineFailed(ctx, s, id, 'replaceOrder', e);
  } finally {
    s.pendingOrders.delete(orderId);
  }
  replyOutcome(ctx, s, id, out, orderId);
}
