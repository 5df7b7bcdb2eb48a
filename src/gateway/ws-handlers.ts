/**
 * One inbound websocket frame: decode → validate (zod) → authenticate → authorise → call the
 * engine → encode the reply. Every failure is an `error {code, message}` reply (with the
 * message's `id` when it had one) and the connection stays up.
 */
import { streamedRisk } from '../engine/actors/streamed-risk.js';
import type { EngineApi, OrderOutcome } from '../engine/runtime/engine-api.js';
import type { Result } from '../engine/result.js';
import { notRevoked } from './auth.js';
import { authorize, authorizeOrderChange, covers, hasRole, scopeOf } from './authorize.js';
import type { Codec } from './codec.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { CounterpartyScreening, CounterpartyVerdict } from './counterparty-screening.js';
import { CLOSE_CODES, type GatewayError, errors } from './errors.js';
import {
  type AuthMsg, type AuthenticatedOut, type CancelMsg, CLIENT_MSG_TYPES, ClientMsg, type OrderMsg, type ReplaceMsg, type SubscribeMsg, type TickAckOut, type TickMsg, type UnsubscribeMsg, fillOut,
} from './protocol.js';
import type { Subscriptions } from './subscriptions.js';
import type { ApiKeyVerifier, Principal, SessionRevocations, TokenRefusal } from './identity/ports.js';
import { grantsOut } from './tokens.js';
import { stackOf } from './guard.js';
import { nextRequestId } from './request-id.js';
import { MAX_HELD_FRAMES, type Session, WILDCARD, pendingKey } from './ws-session.js';

import type { LogFn } from '../logger.js';
import type { RealtimeMetrics } from '../metrics/realtime-metrics.js';

export type { LogFn };

/**
 * The seam for per-connection and per-user message rate limits: asked once per authenticated
 * message, before it is dispatched; a non-null answer is sent as the error.
 */
export type MessageAdmission = (s: Session, principal: Principal, type: ClientMsg['type']) => GatewayError | null;

export interface WsContext {
  readonly engine: EngineApi;
  readonly codec: Codec;
  readonly subs: Subscriptions;
  readonly tokens: AccessVerifier;
  /** Checks `auth {apiKey}`; absent: API keys are refused. */
  readonly apiKeys?: ApiKeyVerifier;
  /** Revoked login sessions; absent: tokens are good until their exp. */
  readonly revocations?: SessionRevocations;
  readonly log: LogFn;
  /** Subscriptions one connection may hold. */
  readonly maxSubscriptions: number;
  readonly limits: ConnectionLimits;
  readonly admission?: MessageAdmission;
  /** Screens the counterparty an order names; absent: an order naming one is refused (SCREENING_UNAVAILABLE). */
  readonly counterparties?: CounterpartyScreening;
  /** Orders in, order-to-ack and tick arrivals (metrics on); absent: nothing is measured. */
  readonly metrics?: RealtimeMetrics;
  /** Scale-out routing (gateway/cluster/): absent, this engine owns every portfolio. */
  readonly cluster?: MessageRouter;
}

/**
 * The seam of scale-out routing (gateway/cluster/cluster-router.ts): asked about every admitted
 * message before it is handled here.
 */
export interface MessageRouter {
  /**
   * True when the router took the message: one naming a portfolio this engine does not own, which
   * it forwards to the owner (who runs it through runMessage) or holds while the partition moves.
   */
  take(s: Session, p: Principal, msg: Exclude<ClientMsg, AuthMsg>, arrivedMs: number): boolean;
  /** A tick this engine took (accepted or held), for every other engine to apply too. */
  tickTaken(symbol: string, price: number, ts: number): void;
}

/** What the websocket asks of tokens.ts. */
export interface AccessVerifier {
  verifyAccess(token: string, nowMs: number): Promise<Result<Principal, TokenRefusal>>;
}

type MsgId = string | number | undefined;
const KNOWN_TYPES = new Set(CLIENT_MSG_TYPES);
/** Refused `auth` messages tolerated per connection; each costs a JWT verification. */
export const MAX_AUTH_FAILURES = 3;

function sendError(s: Session, id: MsgId, e: GatewayError | { code: string; message: string }): void {
  s.sendReliable({ type: 'error', id, code: e.code, message: e.message });
}

/** A handler's promise: a rejection is logged and answered as INTERNAL, never left unhandled. */
function settle(ctx: WsContext, s: Session, id: MsgId, what: string, p: Promise<void>): void {
  p.catch((e: unknown) => engineFailed(ctx, s, id, what, e));
}

export function handleFrame(ctx: WsContext, s: Session, ab: ArrayBuffer, isBinary: boolean): void {
  // Order-to-ack and tick-to-risk count from here, before the frame is decoded.
  const arrivedMs = ctx.metrics !== undefined ? ctx.metrics.now() : 0;
  // A client that pipelines after `auth`: its frames wait (copied, uWS reuses `ab`) for the verdict.
  if (s.principal === null && s.authenticating) {
    if (s.heldFrames.length >= MAX_HELD_FRAMES) return sendError(s, undefined, errors.unauthenticated(`more than ${MAX_HELD_FRAMES} frames sent before "authenticated"`));
    s.heldFrames.push(isBinary ? ab.slice(0) : TEXT_FRAME);
    return;
  }
  if (!isBinary || ab === TEXT_FRAME) return sendError(s, undefined, errors.textFrame());
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
  if (msg.type === 'auth') return settle(ctx, s, msg.id, 'auth', handleAuth(ctx, s, msg));
  const p = s.principal;
  if (p === null) return sendError(s, id, errors.unauthenticated('send auth {token} first, or connect with Authorization: Bearer'));
  if (p.expMs <= Date.now()) {
    sendError(s, id, errors.unauthenticated('token expired'));
    s.end(CLOSE_CODES.TOKEN_EXPIRED, 'token expired');
    return;
  }
  try {
    dispatch(ctx, s, p, msg, arrivedMs);
  } catch (e) {
    // The gateway's guard would catch it too, but here the reply can carry the message's id.
    const requestId = nextRequestId();
    ctx.log('error', 'websocket handler threw', { type: msg.type, requestId, error: stackOf(e) });
    sendError(s, id, errors.internal(`internal error (request ${requestId})`));
  }
}

function dispatch(ctx: WsContext, s: Session, p: Principal, msg: Exclude<ClientMsg, AuthMsg>, arrivedMs: number): void {
  const refused = ctx.admission?.(s, p, msg.type) ?? null;
  if (refused !== null) return sendError(s, msg.id, refused);
  if (ctx.cluster?.take(s, p, msg, arrivedMs) === true) return;
  switch (msg.type) {
    case 'subscribe':
      return handleSubscribe(ctx, s, p, msg);
    case 'unsubscribe':
      return handleUnsubscribe(ctx, s, p, msg);
    case 'tick':
      return handleTick(ctx, s, p, msg, arrivedMs);
    case 'order':
      return settle(ctx, s, msg.id, 'submitOrder', handleOrder(ctx, s, p, msg, arrivedMs));
    case 'cancel':
      return settle(ctx, s, msg.id, 'cancelOrder', handleCancel(ctx, s, p, msg, arrivedMs));
    case 'replace':
      return settle(ctx, s, msg.id, 'replaceOrder', handleReplace(ctx, s, p, msg, arrivedMs));
  }
}

/**
 * An order, cancel or replace, handled as dispatch would (authorisation included) for a session
 * that may be a relay of another engine's client (cluster/relay-session.ts); settles once every
 * reply is sent, and never rejects (a failure is answered as INTERNAL).
 */
export function runMessage(ctx: WsContext, s: Session, p: Principal, msg: OrderMsg | CancelMsg | ReplaceMsg, arrivedMs: number): Promise<void> {
  const run = msg.type === 'order' ? handleOrder(ctx, s, p, msg, arrivedMs) : msg.type === 'cancel' ? handleCancel(ctx, s, p, msg, arrivedMs) : handleReplace(ctx, s, p, msg, arrivedMs);
  const what = msg.type === 'order' ? 'submitOrder' : msg.type === 'cancel' ? 'cancelOrder' : 'replaceOrder';
  return run.catch((e: unknown) => engineFailed(ctx, s, msg.id, what, e));
}

/** Marks a text frame held while authenticating (held frames are ArrayBuffers). */
const TEXT_FRAME = new ArrayBuffer(0);

/**
 * `auth`: the first token of a connection, or a fresh one before the current one expires
 * (re-authentication: same subject, subscriptions kept as far as the new token covers them).
 */
async function handleAuth(ctx: WsContext, s: Session, msg: AuthMsg): Promise<void> {
  if (s.authenticating) return sendError(s, msg.id, errors.alreadyAuthenticated('an auth is already being verified; wait for its answer'));
  s.authenticating = true;
  let r: Result<Principal, string>;
  try {
    r = await verifyCredential(ctx, msg);
  } finally {
    s.authenticating = false;
  }
  if (s.closed) return;
  const previous = s.principal;
  if (!r.ok) {
    sendError(s, msg.id, errors.unauthenticated(`${r.code}: ${r.message}`));
    // Frames pipelined behind a refused auth each hear why, and the connection closes.
    if (previous === null && s.heldFrames.length > 0) return refuseHeld(ctx, s);
    if (++s.authFailures >= MAX_AUTH_FAILURES) s.end(CLOSE_CODES.AUTH_FAILED, 'too many refused auth messages');
    return;
  }
  const p = r.value;
  if (previous !== null && previous.sub !== p.sub) {
    return sendError(s, msg.id, errors.alreadyAuthenticated(`the token is for "${p.sub.slice(0, 64)}", this connection for "${previous.sub.slice(0, 64)}"; open a new connection to change identity`));
  }
  s.authenticate(p, Date.now());
  // A first auth leaves the unauthenticated cap; a re-authentication keeps what the new token covers.
  if (previous === null) ctx.limits.authenticated();
  else dropUncovered(ctx, s, p);
  s.sendReliable({ type: 'authenticated', id: msg.id, sub: p.sub, grants: grantsOut(p), roles: [...p.roles], expMs: p.expMs } satisfies AuthenticatedOut);
  // The frames sent behind `auth`, in the order they came.
  const held = s.heldFrames.splice(0);
  for (const frame of held) {
    if (s.closed) return;
    handleFrame(ctx, s, frame, frame !== TEXT_FRAME);
  }
}

async function verifyCredential(ctx: WsContext, msg: AuthMsg): Promise<Result<Principal, string>> {
  if (msg.token !== undefined) return notRevoked(ctx.revocations, await ctx.tokens.verifyAccess(msg.token, Date.now()));
  if (ctx.apiKeys === undefined) return Promise.resolve({ ok: false, code: 'API_KEYS_DISABLED', message: 'API keys are not enabled on this engine' });
  return ctx.apiKeys.verify(msg.apiKey ?? '', Date.now());
}

/** Every frame held behind a refused first `auth` gets UNAUTHENTICATED (with its id), then the close. */
function refuseHeld(ctx: WsContext, s: Session): void {
  const held = s.heldFrames.splice(0);
  for (const frame of held) {
    let id: MsgId;
    if (frame !== TEXT_FRAME) {
      const d = ctx.codec.decode(frame);
      if (d.ok && (typeof d.value.id === 'string' || typeof d.value.id === 'number')) id = d.value.id;
    }
    sendError(s, id, errors.unauthenticated('the auth before this message was refused'));
  }
  s.end(CLOSE_CODES.AUTH_FAILED, 'auth refused with messages pipelined behind it');
}

/** After re-authentication: subscriptions the new token does not cover are dropped. */
function dropUncovered(ctx: WsContext, s: Session, p: Principal): void {
  const reads = hasRole(p, 'read');
  for (const key of [...s.subs.market]) if (!reads) ctx.subs.unsubscribe(s, 'market', key);
  if (!hasRole(p, 'alerts')) for (const key of [...s.subs.alerts]) ctx.subs.unsubscribe(s, 'alerts', key);
  const all = scopeOf(p, 'read') === null;
  for (const channel of ['risk', 'orders'] as const) {
    for (const key of [...s.subs[channel]]) {
      const covered = reads && (key === WILDCARD ? all : covers(p, 'read', key));
      if (!covered) ctx.subs.unsubscribe(s, channel, key);
    }
  }
}

/** The portfolio keys a risk/orders (un)subscription names: one id, "*", or each id the read grants cover. */
function portfolioKeys(p: Principal, portfolioId: string | undefined): readonly string[] {
  if (portfolioId !== undefined) return [portfolioId];
  const scope = scopeOf(p, 'read');
  return scope === null ? [WILDCARD] : [...scope];
}

/** Would adding `keys` to this session pass the per-connection cap (keys it already holds are free)? */
function withinCap(ctx: WsContext, s: Session, channel: SubscribeMsg['channel'], keys: readonly string[]): boolean {
  let added = 0;
  for (const k of keys) if (!s.subs[channel].has(k)) added += 1;
  return s.subscriptionCount + added <= ctx.maxSubscriptions;
}

function handleSubscribe(ctx: WsContext, s: Session, p: Principal, msg: SubscribeMsg): void {
  if (msg.channel === 'alerts') {
    const denied = authorize(p, 'alerts');
    if (denied) return sendError(s, msg.id, errors.forbidden(denied));
    if (msg.portfolioId !== undefined || msg.symbol !== undefined) return sendError(s, msg.id, errors.invalid([msg.portfolioId !== undefined ? 'portfolioId' : 'symbol'], 'the alerts channel carries every alert: subscribe without portfolioId or symbol'));
    if (!withinCap(ctx, s, 'alerts', [WILDCARD])) return sendError(s, msg.id, errors.tooManySubscriptions(ctx.maxSubscriptions));
    ctx.subs.subscribe(s, 'alerts', WILDCARD);
    return s.sendReliable({ type: 'subscribed', id: msg.id, channel: msg.channel });
  }
  if (msg.channel === 'market') {
    const denied = authorize(p, 'read');
    if (denied) return sendError(s, msg.id, errors.forbidden(denied));
    const key = msg.symbol ?? WILDCARD;
    if (!withinCap(ctx, s, 'market', [key])) return sendError(s, msg.id, errors.tooManySubscriptions(ctx.maxSubscriptions));
    ctx.subs.subscribe(s, 'market', key);
    return s.sendReliable({ type: 'subscribed', id: msg.id, channel: msg.channel, symbol: msg.symbol });
  }
  const denied = authorize(p, 'read', msg.portfolioId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  if (msg.portfolioId !== undefined && !ctx.engine.hasPortfolio(msg.portfolioId)) return sendError(s, msg.id, errors.notFound(`portfolio ${msg.portfolioId}`));
  const keys = portfolioKeys(p, msg.portfolioId);
  if (!withinCap(ctx, s, msg.channel, keys)) return sendError(s, msg.id, errors.tooManySubscriptions(ctx.maxSubscriptions));
  for (const key of keys) ctx.subs.subscribe(s, msg.channel, key);
  s.sendReliable({ type: 'subscribed', id: msg.id, channel: msg.channel, portfolioId: msg.portfolioId });
  // A new risk subscriber gets the latest snapshot at once instead of waiting for the next tick.
  if (msg.channel === 'risk' && msg.portfolioId !== undefined) {
    const latest = ctx.engine.getRisk(msg.portfolioId);
    if (latest) s.sendReliable({ type: 'risk', ...streamedRisk(latest) });
  }
}

function handleUnsubscribe(ctx: WsContext, s: Session, p: Principal, msg: UnsubscribeMsg): void {
  if (msg.channel === 'market') ctx.subs.unsubscribe(s, 'market', msg.symbol ?? WILDCARD);
  else if (msg.channel === 'alerts') ctx.subs.unsubscribe(s, 'alerts', WILDCARD);
  else for (const key of portfolioKeys(p, msg.portfolioId)) ctx.subs.unsubscribe(s, msg.channel, key);
  s.sendReliable({ type: 'unsubscribed', id: msg.id, channel: msg.channel, portfolioId: msg.portfolioId, symbol: msg.symbol });
}

function handleTick(ctx: WsContext, s: Session, p: Principal, msg: TickMsg, arrivedMs: number): void {
  const denied = authorize(p, 'tick');
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  const r = ctx.engine.tick(msg.symbol, msg.price, msg.ts);
  if (!r.ok) return sendError(s, msg.id, r);
  ctx.metrics?.tickArrived(msg.ts, arrivedMs);
  ctx.cluster?.tickTaken(msg.symbol, msg.price, msg.ts);
  // A held tick is always answered (it is rare, and the feed must learn that its price did not
  // count yet); an accepted one only when asked for (an id), so a feed is not flooded with acks.
  if (r.value === 'held') {
    const held: TickAckOut = { type: 'ack', id: msg.id, status: 'held', code: 'TICK_HELD', symbol: msg.symbol, price: msg.price };
    return s.sendReliable(held);
  }
  if (msg.id !== undefined) s.sendReliable({ type: 'ack', id: msg.id, status: 'accepted' } satisfies TickAckOut);
}

function replyOutcome(ctx: WsContext, s: Session, id: MsgId, arrivedMs: number, out: OrderOutcome, orderId?: string): void {
  ctx.metrics?.orderAnswered(arrivedMs, out.kind === 'ack');
  if (out.kind === 'reject') {
    // The wire's reject names its text `reason` (docs/PROTOCOL.md).
    s.sendReliable({ type: 'reject', id, code: out.code, reason: out.message, clientOrderId: out.clientOrderId, orderId: orderId ?? out.orderId });
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

async function handleOrder(ctx: WsContext, s: Session, p: Principal, msg: OrderMsg, arrivedMs: number): Promise<void> {
  const denied = authorize(p, 'trade', msg.portfolioId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  if (ctx.metrics) ctx.metrics.ordersIn += 1;
  const { type: _type, id, portfolioId, ...req } = msg;
  // Off the engine's path: the engine never waits for a screening, and an order without a
  // counterparty costs one comparison here. An unknown portfolio is left to the engine's reject.
  if (req.counterparty !== undefined && ctx.engine.hasPortfolio(portfolioId)) {
    const v = await screenCounterparty(ctx, req.counterparty.name, portfolioId, p.sub);
    if (!v.ok) {
      ctx.metrics?.orderAnswered(arrivedMs, false);
      s.sendReliable({ type: 'reject', id, code: v.code, reason: v.message, clientOrderId: req.clientOrderId });
      return;
    }
  }
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
  replyOutcome(ctx, s, id, arrivedMs, out);
}

function screenCounterparty(ctx: WsContext, name: string, portfolioId: string, userId: string): CounterpartyVerdict | Promise<CounterpartyVerdict> {
  if (ctx.counterparties === undefined) {
    return { ok: false, code: 'SCREENING_UNAVAILABLE', message: 'this gateway screens no counterparties, so it takes no order that names one' };
  }
  return ctx.counterparties.check(name, { portfolioId, userId });
}

/** Cancel and replace: the role on the portfolio, then (an order we know of) whose order it is. */
function orderChangeDenied(ctx: WsContext, p: Principal, change: 'cancel' | 'replace', portfolioId: string, orderId: string): string | null {
  const order = ctx.engine.getOrder(orderId);
  // An unknown order (or one of another portfolio) is the engine's to refuse, with its own code.
  if (order === undefined || order.portfolioId !== portfolioId) return authorize(p, change, portfolioId);
  return authorizeOrderChange(p, change, order);
}

async function handleCancel(ctx: WsContext, s: Session, p: Principal, msg: CancelMsg, arrivedMs: number): Promise<void> {
  const denied = orderChangeDenied(ctx, p, 'cancel', msg.portfolioId, msg.orderId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  if (ctx.metrics) ctx.metrics.ordersIn += 1;
  let out: OrderOutcome;
  try {
    out = await ctx.engine.cancelOrder(msg.portfolioId, msg.orderId, p.sub);
  } catch (e) {
    return engineFailed(ctx, s, msg.id, 'cancelOrder', e);
  }
  replyOutcome(ctx, s, msg.id, arrivedMs, out, msg.orderId);
}

async function handleReplace(ctx: WsContext, s: Session, p: Principal, msg: ReplaceMsg, arrivedMs: number): Promise<void> {
  const denied = orderChangeDenied(ctx, p, 'replace', msg.portfolioId, msg.orderId);
  if (denied) return sendError(s, msg.id, errors.forbidden(denied));
  if (ctx.metrics) ctx.metrics.ordersIn += 1;
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
  replyOutcome(ctx, s, id, arrivedMs, out, orderId);
}
