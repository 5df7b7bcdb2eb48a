/**
 * One websocket connection: who it is, what it subscribed to, and its outgoing flow control.
 *
 * Flow control. uWS buffers what the kernel will not take yet; getBufferedAmount() is that user-
 * space backlog. Above `slowConsumerBytes` the session conflates: risk snapshots and market ticks
 * wait in a map (newest per portfolio / symbol) and go out on drain. Acks, rejects, fills, order
 * updates and errors are never held back or dropped: uWS's maxBackpressure is set above
 * `maxBufferedBytes`, and a session whose backlog passes `maxBufferedBytes` is closed with
 * CLOSE_CODES.SLOW_CONSUMER, so a client either gets every fill or sees a clear close.
 */
import type { WebSocket } from 'uWebSockets.js';
import { streamedRisk } from '../engine/actors/streamed-risk.js';
import type { RiskSnapshot } from '../engine/actors/types.js';
import type { Principal } from './auth.js';
import type { Codec } from './codec.js';
import { CLOSE_CODES } from './errors.js';
import { ConnectionBudget } from './rate-limit.js';
import type { Channel, TickOut } from './protocol.js';

export interface UserData {
  readonly session: Session;
}

export interface FlowLimits {
  /** Backlog above which risk and ticks are conflated. */
  readonly slowConsumerBytes: number;
  /** Backlog above which the connection is closed (SLOW_CONSUMER). */
  readonly maxBufferedBytes: number;
}

/** What the gateway does when a session's timers fire (each runs inside the gateway's guard). */
export interface SessionTimers {
  readonly onAuthDeadline: (s: Session) => void;
  readonly onTokenExpiry: (s: Session) => void;
  readonly onMaxAge: (s: Session) => void;
  /** A send that threw outside any uWS callback (the outbox flush runs as a microtask). */
  readonly onFault: (s: Session, where: string, e: unknown) => void;
}

/** setTimeout's largest delay; a longer one would fire at once, so long waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Frames a client may pipeline between `auth` and `authenticated`; they run once the token is verified. */
export const MAX_HELD_FRAMES = 256;

export interface SessionCounters {
  conflated: number;
  slowConsumerCloses: number;
  dropped: number;
}

/** Channel key → the ids a session subscribed to ("*" = all), so close can unsubscribe. */
export type SessionSubscriptions = { readonly [C in Channel]: Set<string> };

export const WILDCARD = '*';

export class Session {
  principal: Principal | null;
  socket: WebSocket<UserData> | null = null;
  closed = false;
  /** An `auth` message is being verified. */
  authenticating = false;
  /** Refused `auth` messages so far. */
  authFailures = 0;
  /** Message rate limits of this connection (rate-limit.ts), a few numbers checked per message. */
  readonly budget = new ConnectionBudget();
  /** Closes the connection if it is still unauthenticated when it fires. */
  authTimer: NodeJS.Timeout | undefined;
  /** Closes the connection when its token expires, unless a fresh `auth` moved it. */
  private expiryTimer: NodeJS.Timeout | undefined;
  private maxAgeTimer: NodeJS.Timeout | undefined;
  /**
   * Frames received while `auth` is being verified (copies: uWS reuses the buffer), run in order
   * once it is; at most MAX_HELD_FRAMES of them.
   */
  readonly heldFrames: ArrayBuffer[] = [];
  readonly subs: SessionSubscriptions = { risk: new Set(), orders: new Set(), market: new Set(), alerts: new Set() };
  /**
   * Orders awaiting the engine's answer, so their immediate fills follow the ack instead of
   * overtaking it: `portfolioId \0 clientOrderId` for a submit, the orderId for a replace.
   */
  readonly pendingOrders = new Set<string>();
  /** Open orders this session submitted, so their later fills reach it even without a subscription. */
  readonly ownOrders = new Set<string>();
  private readonly heldRisk = new Map<string, RiskSnapshot>();
  private readonly heldTicks = new Map<string, TickOut>();

  constructor(
    principal: Principal | null,
    private readonly codec: Codec,
    private readonly limits: FlowLimits,
    private readonly counters: SessionCounters,
    private readonly onSlowClose: (s: Session, backlog: number) => void,
    private readonly timers: SessionTimers,
    /** Remote address, for the per-address connection cap. */
    readonly ip: string,
  ) {
    this.principal = principal;
  }

  /** The connection opened: the auth deadline (no token yet) or the token's expiry, and the maximum age. */
  started(nowMs: number, authTimeoutMs: number, maxAgeMs: number): void {
    if (this.principal === null) this.authTimer = setTimeout(this.timers.onAuthDeadline, authTimeoutMs, this);
    else this.armExpiry(nowMs);
    if (maxAgeMs > 0) this.maxAgeTimer = setTimeout(this.timers.onMaxAge, Math.min(maxAgeMs, MAX_TIMER_MS), this);
  }

  /** A verified token: the first one, or a fresh one for the same subject (subscriptions are kept). */
  authenticate(p: Principal, nowMs: number): void {
    this.principal = p;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.armExpiry(nowMs);
  }

  private armExpiry(nowMs: number): void {
    clearTimeout(this.expiryTimer);
    const p = this.principal;
    if (p === null) return;
    this.expiryTimer = setTimeout(this.timers.onTokenExpiry, Math.min(Math.max(0, p.expMs - nowMs), MAX_TIMER_MS), this);
  }

  /** The expiry timer fired: close when the token is past its exp, else (a long wait, re-armed) wait on. */
  expireIfDue(nowMs: number): void {
    if (this.closed || this.principal === null) return;
    if (this.principal.expMs > nowMs) return this.armExpiry(nowMs);
    this.sendReliable({ type: 'error', code: 'UNAUTHENTICATED', message: 'token expired; reconnect with a fresh token, or send auth with one before exp' });
    this.end(CLOSE_CODES.TOKEN_EXPIRED, 'token expired');
  }

  /** Subscriptions held over all channels (for the per-connection cap). */
  get subscriptionCount(): number {
    return this.subs.risk.size + this.subs.orders.size + this.subs.market.size + this.subs.alerts.size;
  }

  /** Sends a message that must not be lost (acks, rejects, fills, errors). */
  sendReliable(msg: object): void {
    if (this.closed || this.socket === null) return;
    this.sendBytes(this.codec.encodeShared(msg));
  }

  /**
   * Frames waiting for this turn of the event loop to end, copied back to back into one reused
   * buffer (`ends` marks where each stops). Sent together inside one uWS cork, so a burst of risk
   * updates, acks and fills costs one write to the socket instead of one each (outside a uWS
   * callback every uncorked send is its own system call). Order is kept: everything goes through
   * this queue. One buffer rather than a copy per frame: a subscriber gets thousands of 2-3 kB risk
   * frames a second, and their garbage was what kept the collector busy.
   */
  private outbox = new Uint8Array(16 * 1024);
  private outboxLength = 0;
  private ends: number[] = [];
  /** The other buffer: a flush sends from one while anything sent meanwhile goes to the other. */
  private spare = new Uint8Array(16 * 1024);
  private spareEnds: number[] = [];
  private flushQueued = false;

  /**
   * Sends already-encoded bytes that must not be lost. The bytes are copied at once, so a shared
   * encode buffer may be reused by the next message.
   */
  sendBytes(bytes: Uint8Array): void {
    if (this.closed || this.socket === null) return;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.guardedFlush);
    }
    const need = this.outboxLength + bytes.length;
    if (need > this.outbox.length) {
      const grown = new Uint8Array(Math.max(need, this.outbox.length * 2));
      grown.set(this.outbox.subarray(0, this.outboxLength));
      this.outbox = grown;
    }
    this.outbox.set(bytes, this.outboxLength);
    this.outboxLength = need;
    this.ends.push(need);
  }

  /** The flush as a microtask: a throw there would reach the process, so it is reported and the connection closed. */
  private readonly guardedFlush = (): void => {
    try {
      this.flushOutbox();
    } catch (e) {
      this.timers.onFault(this, 'websocket outbox flush', e);
      try {
        this.socket?.end(1011, 'internal error');
      } catch {
        // already closed
      }
    }
  };

  private readonly flushOutbox = (): void => {
    this.flushQueued = false;
    const buf = this.outbox, ends = this.ends, n = ends.length;
    if (n === 0) return;
    // Swap first: a send during the loop (a close it causes) must not write over what is being sent.
    this.outbox = this.spare.length > 1024 * 1024 ? new Uint8Array(16 * 1024) : this.spare;
    this.ends = this.spareEnds;
    this.outboxLength = 0;
    this.spare = buf;
    this.spareEnds = ends;
    const ws = this.socket;
    if (!this.closed && ws !== null) {
      // uWS copies what it cannot write at once, so the buffer is free again after the loop.
      ws.cork(() => {
        let start = 0;
        for (let i = 0; i < n; i++) {
          const end = ends[i] as number;
          if (!this.sendNow(ws, buf.subarray(start, end))) break;
          start = end;
        }
      });
    }
    ends.length = 0;
  };

  /** Closes the connection after sending what is already queued (an error that explains the close). */
  end(code: number, reason: string): void {
    this.flushOutbox();
    this.socket?.end(code, reason);
  }

  /** Returns false when the session was closed for being too slow. */
  private sendNow(ws: WebSocket<UserData>, bytes: Uint8Array): boolean {
    const status = ws.send(bytes, true);
    if (status === 2) {
      // Cannot happen while maxBackpressure > maxBufferedBytes; if it does, say so and close.
      this.counters.dropped += 1;
      this.closeSlow(ws.getBufferedAmount());
      return false;
    }
    if (status === 0) {
      const backlog = ws.getBufferedAmount();
      if (backlog > this.limits.maxBufferedBytes) {
        this.closeSlow(backlog);
        return false;
      }
    }
    return true;
  }

  /** A risk snapshot, already encoded for all subscribers; held (conflated) while the client is slow. */
  offerRisk(snapshot: RiskSnapshot, bytes: Uint8Array): void {
    this.offer(this.heldRisk, snapshot.portfolioId, snapshot, bytes);
  }

  /** A market tick, already encoded for all subscribers; held (conflated) per symbol while the client is slow. */
  offerTick(tick: TickOut, bytes: Uint8Array): void {
    this.offer(this.heldTicks, tick.symbol, tick, bytes);
  }

  /** Sends `bytes`, or, above the slow-consumer backlog, holds `item` in place of the one held under `key`. */
  private offer<T>(held: Map<string, T>, key: string, item: T, bytes: Uint8Array): void {
    const ws = this.socket;
    if (this.closed || ws === null) return;
    if (ws.getBufferedAmount() > this.limits.slowConsumerBytes) {
      if (held.has(key)) this.counters.conflated += 1;
      held.set(key, item);
      return;
    }
    held.delete(key);
    this.sendBytes(bytes);
    // Do not leave other keys' held items waiting for a drain that may not come.
    if (this.heldCount > 0) this.onDrain();
  }

  get heldCount(): number {
    return this.heldRisk.size + this.heldTicks.size;
  }

  /** uWS drain: send what was held once the backlog is back under half the threshold. */
  onDrain(): void {
    const ws = this.socket;
    if (this.closed || ws === null || this.heldCount === 0) return;
    const resumeBelow = this.limits.slowConsumerBytes / 2;
    if (ws.getBufferedAmount() > resumeBelow) return;
    for (const [portfolioId, snapshot] of this.heldRisk) {
      this.heldRisk.delete(portfolioId);
      this.sendReliable({ type: 'risk', ...streamedRisk(snapshot) });
      if (this.closed || ws.getBufferedAmount() > this.limits.slowConsumerBytes) return;
    }
    for (const [symbol, tick] of this.heldTicks) {
      this.heldTicks.delete(symbol);
      this.sendReliable(tick);
      if (this.closed || ws.getBufferedAmount() > this.limits.slowConsumerBytes) return;
    }
  }

  private closeSlow(backlog: number): void {
    const ws = this.socket;
    if (this.closed || ws === null) return;
    this.counters.slowConsumerCloses += 1;
    this.onSlowClose(this, backlog);
    // end() runs the close handler synchronously, which marks the session closed.
    ws.end(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer: send buffer above limit');
  }

  markClosed(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    clearTimeout(this.maxAgeTimer);
    this.heldFrames.length = 0;
    this.socket = null;
    this.heldRisk.clear();
    this.heldTicks.clear();
  }
}

export const pendingKey = (portfolioId: string, clientOrderId: string): string => `${portfolioId}\u0000${clientOrderId}`;
