/**
 * What engines say to each other over the cluster transport (cluster-transport.ts), declared once
 * and used by both sides. Every body is checked with these schemas on arrival: the link is
 * authenticated (CLUSTER_SECRET), but a peer of another version, or a bug, must cost an error
 * answer and a log line, never a crash or a wrong order.
 */
import * as z from 'zod';
import { TRADING_STATE_REASONS } from '../../engine/limits/types.js';
import { ROLES, type Principal } from '../identity/ports.js';
import { CancelMsg, OrderMsg, ReplaceMsg } from '../protocol.js';
import { identifier } from '../text-schemas.js';

/** A connection of the forwarding gateway: its cluster-local number (relay-session.ts). */
const SessionId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const PortfolioId = identifier(64);
/** A customer: a portfolio's ownerId (a user id). */
const OwnerId = identifier(256);
/** Owner ids per `blocked` push; a larger set goes in several. */
export const BLOCKED_PER_PUSH = 10_000;

/** A principal as it crosses the link: the sets of Principal as arrays. */
export const WirePrincipal = z.strictObject({
  sub: z.string().min(1).max(256),
  grants: z.array(z.strictObject({ role: z.enum(ROLES), portfolios: z.array(z.string().max(128)).max(100_000).nullable() })).max(64),
  expMs: z.number(),
  sessionId: z.string().max(256).optional(),
  amr: z.array(z.enum(['pwd', 'otp', 'backup', 'apikey', 'dev'])).max(8),
  via: z.enum(['token', 'apiKey']),
});
export type WirePrincipal = z.infer<typeof WirePrincipal>;

export function principalToWire(p: Principal): WirePrincipal {
  return {
    sub: p.sub,
    grants: p.grants.map((g) => ({ role: g.role, portfolios: g.portfolios === null ? null : [...g.portfolios] })),
    expMs: p.expMs,
    ...(p.sessionId !== undefined ? { sessionId: p.sessionId } : {}),
    amr: [...p.amr],
    via: p.via,
  };
}

export function principalFromWire(w: WirePrincipal): Principal {
  const grants = w.grants.map((g) => ({ role: g.role, portfolios: g.portfolios === null ? null : new Set(g.portfolios) }));
  return {
    sub: w.sub, grants, roles: new Set(grants.map((g) => g.role)), expMs: w.expMs, amr: w.amr, via: w.via,
    ...(w.sessionId !== undefined ? { sessionId: w.sessionId } : {}),
  };
}

/** The client messages that are forwarded to a portfolio's owner (they change its state). */
export const ForwardedMsg = z.discriminatedUnion('type', [OrderMsg, CancelMsg, ReplaceMsg]);
export type ForwardedMsg = z.infer<typeof ForwardedMsg>;
export const FORWARDED_TYPES: ReadonlySet<string> = new Set(['order', 'cancel', 'replace']);

/** Requests: answered by the peer (PeerAnswer). */
export const PeerRequest = z.discriminatedUnion('t', [
  /**
   * A client message for a portfolio the peer owns, run there through the websocket handlers with
   * this principal; the frames it causes travel back as `frames` pushes before the answer.
   */
  z.strictObject({ t: z.literal('client'), sid: SessionId, principal: WirePrincipal, msg: ForwardedMsg, arrivedAgoMs: z.number().min(0).max(3_600_000) }),
  /** The forwarding gateway's first (+1) or last (−1) subscriber of a channel of a portfolio (subscriptions). */
  z.strictObject({ t: z.literal('watch'), channel: z.enum(['risk', 'orders']), portfolioId: PortfolioId, delta: z.union([z.literal(1), z.literal(-1)]) }),
  /**
   * Halt every portfolio of this customer the peer hosts (Engine.haltOwner there), answered
   * `halted` with them, or `failed` when one could not be halted (cluster-halt.ts).
   */
  z.strictObject({ t: z.literal('haltOwner'), ownerId: OwnerId, reason: z.enum(TRADING_STATE_REASONS), by: z.string().min(1).max(256) }),
]);
export type PeerRequest = z.infer<typeof PeerRequest>;

/** Answers. */
export const PeerAnswer = z.discriminatedUnion('t', [
  /** Handled; every frame for the client was pushed before this answer. */
  z.strictObject({ t: z.literal('done'), risk: z.record(z.string(), z.unknown()).optional(), exists: z.boolean().optional() }),
  /** The peer does not own the portfolio's partition (any more): route again. */
  z.strictObject({ t: z.literal('notOwner') }),
  /** The request could not be handled (malformed, or a failure there); never retried. */
  z.strictObject({ t: z.literal('failed'), code: z.string().max(64), message: z.string().max(1024) }),
  /** haltOwner: the customer's portfolios the peer hosts, each now halted (none: it hosts none). */
  z.strictObject({ t: z.literal('halted'), portfolioIds: z.array(PortfolioId).max(100_000) }),
]);
export type PeerAnswer = z.infer<typeof PeerAnswer>;

const TickTuple = z.tuple([identifier(32), z.number(), z.number()]);
/** One-way messages. */
export const PeerPush = z.discriminatedUnion('t', [
  /**
   * Frames (encoded server messages) for a client connection of the receiving gateway, in order.
   * `late`: sent outside any forwarded request (a later fill of an order it placed).
   */
  z.strictObject({ t: z.literal('frames'), sid: SessionId, frames: z.array(z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes' })).max(10_000), late: z.boolean() }),
  /** A client connection of the sending gateway closed: forget its relay session. */
  z.strictObject({ t: z.literal('closed'), sid: SessionId }),
  /** Ticks one engine's feed gave it, to apply here: [symbol, price, ts]. */
  z.strictObject({ t: z.literal('ticks'), ticks: z.array(TickTuple).max(100_000) }),
  /** An engine event of a portfolio the receiving gateway watches (subscriptions). */
  z.strictObject({ t: z.literal('event'), channel: z.enum(['risk', 'orders']), portfolioId: PortfolioId, event: z.record(z.string(), z.unknown()) }),
  /**
   * Customers a sanctions screening blocked, for the receiver's SanctionsBlocks: one found by the
   * sender while running, or the sender's whole set when the link comes up (cluster-blocks.ts).
   */
  z.strictObject({ t: z.literal('blocked'), ownerIds: z.array(OwnerId).min(1).max(BLOCKED_PER_PUSH) }),
]);
export type PeerPush = z.infer<typeof PeerPush>;
