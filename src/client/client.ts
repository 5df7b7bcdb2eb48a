/**
 * A typed client of the engine's websocket (docs/PROTOCOL.md; machine-readable: GET /asyncapi.json).
 *
 * - Connects with a token (or a function that returns a fresh one) or an API key, by the `auth`
 *   message: a browser cannot set an Authorization header on a websocket. (`inHandshake` leaves
 *   authentication to the upgrade request or to the caller: the tests' protocol probes.)
 * - Subscriptions are remembered and sent again after every reconnect.
 * - Orders carry a `clientOrderId` (generated when absent). An order not yet answered when the
 *   connection drops is sent again, same `clientOrderId`, once connected again: the engine answers a
 *   copy with the original order's `ack` and fills and never executes it twice
 *   (PROTOCOL.md, "Orders are idempotent"). Cancel, replace and unsubscribe in flight are failed
 *   with DISCONNECTED instead: their outcome is unknown and a blind resend could answer differently.
 * - Reconnects with exponential backoff and jitter; gives up for good on a refused credential.
 *
 * Per frame it does what it must: decode, look up the handlers of the type, look up the request
 * the `id` answers. `onFrame` lets a caller read a frame's bytes before that (the benchmark peeks
 * at risk frames without decoding them).
 */
import { type BackoffOptions, DEFAULT_BACKOFF, backoffDelayMs } from './backoff.js';
import { ClientError, clientErrors } from './errors.js';
import {
  type AuthenticatedOut, type CancelOrder, type Channel, FrameCodec, type MsgId, type NewOrder, type OrderReply, type OutboundMsg, type ReplaceOrder, type ServerFrames,
  type SubscribedOut, type SubscriptionTarget, type Tick,
} from './frames.js';
import { type FrameData, type HttpRefusal, OPEN, type WebSocketConstructorLike, type WebSocketLike, attach } from './socket.js';

/**
 * A fixed token, a function returning a fresh one for each (re)connection, or an API key: sent in
 * the `auth` message. `inHandshake`: the upgrade request carries them (an Authorization header set
 * through `socketOptions`, Node only) or nothing does yet; the client sends no `auth` and is ready
 * once the socket opens (the tests' protocol probes authenticate, or fail to, by hand).
 */
export type Credentials = { readonly token: string | (() => string | Promise<string>) } | { readonly apiKey: string } | { readonly inHandshake: true };

export interface ClientOptions {
  readonly url: string;
  /** `WebSocket` from the `ws` package in Node, `globalThis.WebSocket` in a browser. */
  readonly WebSocket: WebSocketConstructorLike;
  /** Third constructor argument, for `ws` (e.g. `{ ca, perMessageDeflate: false }`); a browser ignores it. */
  readonly socketOptions?: object;
  /** 'arraybuffer' (default, both implementations) or 'nodebuffer' (`ws`: frames arrive as Buffers, no copy). */
  readonly binaryType?: 'arraybuffer' | 'nodebuffer';
  readonly credentials: Credentials;
  /** false: no reconnect (the first drop closes the client). */
  readonly reconnect?: Partial<BackoffOptions> | false;
  /** Per request (order, subscribe, …) once sent; default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Opening and authenticating one connection; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Makes a clientOrderId for an order given without one (≤ 64 characters: the protocol's bound). */
  readonly clientOrderId?: () => string;
  /** Jitter source for the backoff (tests pass a seeded one). */
  readonly random?: () => number;
  /** Sees every frame's bytes first (text frames too); returning true means it was handled and is not decoded. */
  readonly onFrame?: (data: FrameData, isBinary: boolean) => boolean;
  /** Listeners attached before the first connection opens, so they see its events and frames too. */
  readonly listeners?: { readonly [K in keyof ClientEvents]?: (e: ClientEvents[K]) => void };
}

export interface ConnectedEvent {
  /** The authenticated subject and token expiry; undefined with `inHandshake` credentials (no `auth` reply to read them from). */
  readonly sub: string | undefined;
  readonly expMs: number | undefined;
  /** false for the first connection, true after a reconnect. */
  readonly reconnected: boolean;
}
export interface DisconnectedEvent {
  readonly code: number;
  readonly reason: string;
  /** The delay before the next attempt; undefined when the client gives up. */
  readonly retryInMs: number | undefined;
}

export type ClientEvents = ServerFrames & {
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  /** The client is closed for good: by close() (no error) or after a failure it does not retry. */
  closed: { readonly error?: ClientError };
  /** A frame the client could not read, or a remembered subscription the server refused after a reconnect. */
  problem: ClientError;
  /** Every decoded frame, whatever its type, with the bytes it arrived as (before the handlers of its type). */
  frame: { readonly msg: { readonly type: string } & Record<string, unknown>; readonly data: FrameData };
};

type Handler = (e: any) => void;
type Kind = 'order' | 'subscribe' | 'other';
interface Pending {
  readonly kind: Kind;
  readonly what: string;
  /** The message to send (again, under a new id, for orders and subscriptions). */
  readonly msg: OutboundMsg | { type: 'auth'; token: string };
  /** subscribe: the subscription's key. */
  readonly key?: string;
  readonly resolve: (m: any) => void;
  readonly reject: (e: ClientError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const AUTH_ID = 'auth';
const DEFAULTS = { requestTimeoutMs: 10_000, connectTimeoutMs: 10_000 };
/** Closes after which reconnecting cannot help: the third refused auth (or one with frames behind it). */
const AUTH_CLOSE = 4003;
const TOKEN_EXPIRED_CLOSE = 4001;

const subKey = (channel: Channel, t: SubscriptionTarget): string => `${channel}\u0000${t.portfolioId ?? ''}\u0000${t.symbol ?? ''}`;

let instance = 0;
function defaultClientOrderId(): () => string {
  // Unique per client and time-ordered; the engine remembers ids per portfolio for a day at least.
  const prefix = `c${Date.now().toString(36)}${(instance++).toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}-`;
  let n = 0;
  return () => prefix + (n++).toString(36);
}

export class RiskEngineClient {
  private readonly codec = new FrameCodec();
  private readonly handlers = new Map<string, Handler[]>();
  /** Requests sent on the current connection, by id. */
  private readonly pending = new Map<MsgId, Pending>();
  /** Orders and subscribes to send when connected (again). */
  private readonly queued: Pending[] = [];
  /** Subscriptions to hold, sent again after a reconnect. */
  private readonly subscriptions = new Map<string, { channel: Channel; portfolioId?: string; symbol?: string }>();
  private readonly backoff: BackoffOptions | false;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly nextClientOrderId: () => string;
  private readonly random: () => number;
  private socket: WebSocketLike | null = null;
  private detach: (() => void) | null = null;
  private state: 'connecting' | 'ready' | 'waiting' | 'closed' = 'connecting';
  private everReady = false;
  private attempt = 0;
  private nextId = 1;
  private lastSocketError = '';
  private lastHttpRefusal: HttpRefusal | undefined;
  private lastCloseInfo: { readonly code: number; readonly reason: string } | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private firstConnect: { resolve: () => void; reject: (e: ClientError) => void } | null = null;
  private closing: Promise<void> | null = null;
  private socketClosed: (() => void) | null = null;
  /** A fixed token replaced by reauthenticate(): the one to use on the next connection. */
  private latestToken: string | undefined;

  private constructor(private readonly opts: ClientOptions) {
    this.backoff = opts.reconnect === false ? false : { ...DEFAULT_BACKOFF, ...opts.reconnect };
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this.nextClientOrderId = opts.clientOrderId ?? defaultClientOrderId();
    this.random = opts.random ?? Math.random;
    for (const [type, h] of Object.entries(opts.listeners ?? {})) if (h !== undefined) this.on(type as keyof ClientEvents, h as Handler);
  }

  /** Opens, authenticates and resolves once ready; a failure of this first connection rejects (no retry). */
  static connect(opts: ClientOptions): Promise<RiskEngineClient> {
    const c = new RiskEngineClient(opts);
    return new Promise((resolve, reject) => {
      c.firstConnect = { resolve: () => resolve(c), reject };
      c.open();
    });
  }

  /** True while authenticated on an open connection. */
  get connected(): boolean {
    return this.state === 'ready';
  }

  /**
   * The websocket of the current connection (null between connections), for what only a transport
   * can be asked: tests pause its reads or cork its writes. Sending and closing go through the client.
   */
  get webSocket(): WebSocketLike | null {
    return this.socket;
  }

  /** The code and reason of the last connection's close (the server's, or its echo of `close()`). */
  get lastClose(): { readonly code: number; readonly reason: string } | undefined {
    return this.lastCloseInfo;
  }

  /** Listens to a server frame type or a client event; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(type: K, handler: (e: ClientEvents[K]) => void): () => void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Subscribes, and again after every reconnect until unsubscribed. */
  subscribe(channel: Channel, target: SubscriptionTarget = {}): Promise<SubscribedOut> {
    const key = subKey(channel, target);
    const sub = { channel, ...(target.portfolioId !== undefined ? { portfolioId: target.portfolioId } : {}), ...(target.symbol !== undefined ? { symbol: target.symbol } : {}) };
    this.subscriptions.set(key, sub);
    return this.request<SubscribedOut>('subscribe', `subscribe ${channel}`, { type: 'subscribe', ...sub }, key).catch((e: unknown) => {
      // A refused subscription is not held.
      if (e instanceof ClientError && e.code === 'SERVER_ERROR') this.subscriptions.delete(key);
      throw e;
    });
  }

  unsubscribe(channel: Channel, target: SubscriptionTarget = {}): Promise<SubscribedOut> {
    this.subscriptions.delete(subKey(channel, target));
    // Not connected: the server holds nothing for this client, so there is nothing to undo.
    if (this.state !== 'ready') return Promise.resolve({ type: 'unsubscribed', channel, ...target });
    return this.request('other', `unsubscribe ${channel}`, { type: 'unsubscribe', channel, ...target });
  }

  /**
   * Hands a fresh token to the open connection (an `auth` on it, PROTOCOL.md "A session lasts as
   * long as its token"): it and its subscriptions outlive the old token's `exp`. Resolves with the
   * server's `authenticated` (the new `expMs`); a refused token rejects with SERVER_ERROR and leaves
   * the connection on the old one. Not connected: NOT_CONNECTED (the next connection authenticates
   * with the credentials anyway: a token function's fresh token, or a fixed token replaced by this one).
   */
  reauthenticate(token: string): Promise<AuthenticatedOut> {
    const c = this.opts.credentials;
    if ('token' in c && typeof c.token === 'string') this.latestToken = token;
    return this.request('other', 'reauthenticate', { type: 'auth', token });
  }

  /**
   * Sends an order and resolves with the engine's `ack` or `reject` (its fills follow as `fill`
   * events). While disconnected it waits for the next connection; one in flight when the connection
   * drops is sent again under the same clientOrderId.
   */
  submitOrder(order: NewOrder): Promise<OrderReply> {
    const clientOrderId = order.clientOrderId ?? this.nextClientOrderId();
    return this.request('order', `order ${clientOrderId}`, { type: 'order', ...order, clientOrderId });
  }

  cancelOrder(c: CancelOrder): Promise<OrderReply> {
    return this.request('other', `cancel ${c.orderId}`, { type: 'cancel', ...c });
  }

  replaceOrder(r: ReplaceOrder): Promise<OrderReply> {
    return this.request('other', `replace ${r.orderId}`, { type: 'replace', ...r });
  }

  /** A market-data tick (feed role); fire and forget unless it has an `id` (then an `ack` event answers it). */
  tick(t: Tick): void {
    this.send({ type: 'tick', ...t });
  }

  /**
   * Sends one message as it is, tracking nothing: the caller matches replies by `id` through the
   * events (the benchmark's path: one encode, one socket write). Throws NOT_CONNECTED when not ready.
   */
  send(msg: OutboundMsg): void {
    if (this.state !== 'ready' || this.socket === null) throw clientErrors.notConnected(msg.type);
    this.socket.send(this.codec.encode(msg));
  }

  /**
   * Sends one frame exactly as given, past the codec: bytes encoded elsewhere, or a frame the
   * protocol refuses (a string goes out as a text frame; malformed MessagePack) for a test that
   * probes the server with it. Throws NOT_CONNECTED when not ready.
   */
  sendRawFrame(data: Uint8Array | string): void {
    if (this.state !== 'ready' || this.socket === null) throw clientErrors.notConnected('raw frame');
    this.socket.send(data);
  }

  /** Closes for good: no reconnect, every request still waiting fails with CLOSED. Safe to call twice. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      const s = this.socket;
      this.shutDown(undefined, 'close() called');
      if (s === null || s.readyState > OPEN) return resolve();
      const t = setTimeout(() => {
        (s as unknown as { terminate?(): void }).terminate?.();
        this.detachSocket();
        resolve();
      }, 1000);
      this.socketClosed = () => {
        clearTimeout(t);
        resolve();
      };
      try {
        s.close(1000, 'client closed');
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
    return this.closing;
  }

  // ---- connection ----

  private open(): void {
    this.state = 'connecting';
    this.lastSocketError = '';
    this.lastHttpRefusal = undefined;
    let s: WebSocketLike;
    try {
      s = new this.opts.WebSocket(this.opts.url, undefined, this.opts.socketOptions as never);
    } catch (e) {
      return this.dropped(1006, e instanceof Error ? e.message : String(e));
    }
    s.binaryType = this.opts.binaryType ?? 'arraybuffer';
    this.socket = s;
    this.detach = attach(s, {
      open: () => ('inHandshake' in this.opts.credentials ? this.onReady(undefined) : void this.authenticate(s)),
      frame: (data, isBinary) => this.onFrame(data, isBinary),
      close: (code, reason) => this.onSocketClose(s, code, reason),
      // The first one says why (ws reports an aborted handshake after an HTTP refusal, too).
      error: (message, refusal) => {
        if (this.lastSocketError === '') this.lastSocketError = message;
        if (refusal !== undefined) this.lastHttpRefusal ??= refusal;
      },
    });
    this.connectTimer = setTimeout(() => {
      this.lastSocketError = `not connected and authenticated within ${this.connectTimeoutMs} ms`;
      (s as unknown as { terminate?(): void }).terminate?.() ?? s.close();
    }, this.connectTimeoutMs);
  }

  private async authenticate(s: WebSocketLike): Promise<void> {
    const c = this.opts.credentials;
    if ('inHandshake' in c) return;
    let msg: { type: 'auth'; id: string; token?: string; apiKey?: string };
    try {
      msg = 'apiKey' in c ? { type: 'auth', id: AUTH_ID, apiKey: c.apiKey } : { type: 'auth', id: AUTH_ID, token: typeof c.token === 'function' ? await c.token() : (this.latestToken ?? c.token) };
    } catch (e) {
      return this.shutDown(clientErrors.authRefused('TOKEN_PROVIDER', e instanceof Error ? e.message : String(e)), 'no token');
    }
    if (this.socket === s && s.readyState === OPEN) s.send(this.codec.encode(msg));
  }

  /** Authenticated (`m`: the server's reply to the client's `auth`), or open with `inHandshake` credentials. */
  private onReady(m: ServerFrames['authenticated'] | undefined): void {
    clearTimeout(this.connectTimer);
    const reconnected = this.everReady;
    this.state = 'ready';
    this.everReady = true;
    this.attempt = 0;
    // Subscriptions first, so the fills and updates of resent orders reach their subscribers.
    const waiting = this.queued.splice(0);
    const waitingSubs = new Map(waiting.filter((p) => p.kind === 'subscribe').map((p) => [p.key, p]));
    for (const [key, sub] of this.subscriptions) {
      const p = waitingSubs.get(key);
      if (p && this.subscriptions.has(key)) this.transmit(p);
      else this.transmit({
        kind: 'subscribe', what: `subscribe ${sub.channel} again`, msg: { type: 'subscribe', ...sub }, key,
        resolve: () => {},
        reject: (e) => {
          this.subscriptions.delete(key);
          this.emit('problem', e);
        },
      });
    }
    for (const p of waiting) {
      if (p.kind === 'order') this.transmit(p);
      // A subscribe whose subscription was dropped meanwhile (unsubscribed, or a second call for the same one).
      else if (p.kind === 'subscribe' && waitingSubs.get(p.key) !== p) p.reject(clientErrors.disconnected(p.what));
    }
    const first = this.firstConnect;
    this.firstConnect = null;
    first?.resolve();
    this.emit('connected', { sub: m?.sub, expMs: m?.expMs, reconnected });
  }

  private onSocketClose(s: WebSocketLike, code: number, reason: string): void {
    if (this.socket !== s) return;
    this.lastCloseInfo = { code, reason };
    this.detachSocket();
    const done = this.socketClosed;
    this.socketClosed = null;
    done?.();
    if (this.state === 'closed') return;
    this.dropped(code, reason || this.lastSocketError);
  }

  /** The connection is gone (or never opened): park what can be resent, fail the rest, retry or give up. */
  private dropped(code: number, reason: string): void {
    clearTimeout(this.connectTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      if (p.kind === 'other') p.reject(clientErrors.disconnected(p.what));
      else this.queued.push(p);
    }
    this.pending.clear();
    if (this.firstConnect) {
      return this.shutDown(clientErrors.connectFailed(this.opts.url, reason || `closed (${code})`, code, this.lastHttpRefusal), reason, code);
    }
    const giveUp = this.backoff === false || code === AUTH_CLOSE
      || (code === TOKEN_EXPIRED_CLOSE && !('token' in this.opts.credentials && typeof this.opts.credentials.token === 'function'))
      || this.attempt >= this.backoff.maxAttempts;
    if (giveUp) {
      this.emit('disconnected', { code, reason, retryInMs: undefined });
      return this.shutDown(clientErrors.closed(`connection closed (${code}${reason ? ` ${reason}` : ''}) and not retried`, code), reason, code);
    }
    const delay = backoffDelayMs(this.backoff as BackoffOptions, this.attempt++, this.random);
    this.state = 'waiting';
    this.emit('disconnected', { code, reason, retryInMs: delay });
    // A handler may have closed the client (e.g. on a close code that ends its session).
    if (this.state !== 'waiting') return;
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Closed for good: nothing is retried, everything waiting fails. */
  private shutDown(error: ClientError | undefined, why: string, closeCode?: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    clearTimeout(this.retryTimer);
    const failure = error ?? clientErrors.closed(why, closeCode);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(failure);
    }
    this.pending.clear();
    for (const p of this.queued.splice(0)) p.reject(failure);
    const first = this.firstConnect;
    this.firstConnect = null;
    first?.reject(failure);
    if (this.socket !== null && this.socket.readyState <= OPEN && error !== undefined) {
      (this.socket as unknown as { terminate?(): void }).terminate?.() ?? this.socket.close();
      this.detachSocket();
    }
    this.emit('closed', error ? { error } : {});
  }

  private detachSocket(): void {
    this.detach?.();
    this.detach = null;
    this.socket = null;
  }

  // ---- frames ----

  private onFrame(data: FrameData, isBinary: boolean): void {
    if (this.opts.onFrame?.(data, isBinary) === true) return;
    let m: { type?: unknown; id?: unknown } & Record<string, unknown>;
    try {
      if (!isBinary) throw new Error('a text frame');
      const v = this.codec.decode(data);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the root is not a map');
      m = v as typeof m;
    } catch (e) {
      this.emit('problem', clientErrors.badFrame(e instanceof Error ? e.message : String(e)));
      return;
    }
    const type = m.type;
    if (typeof type !== 'string') return this.emit('problem', clientErrors.badFrame('no type'));
    // Only when someone listens: the benchmark's path allocates nothing more per frame.
    const all = this.handlers.get('frame');
    if (all !== undefined && all.length > 0) this.emit('frame', { msg: m as { type: string } & Record<string, unknown>, data });
    if (m.id === AUTH_ID && (type === 'authenticated' || type === 'error') && !('inHandshake' in this.opts.credentials)) {
      if (type === 'authenticated') return this.onReady(m as unknown as ServerFrames['authenticated']);
      return this.shutDown(clientErrors.authRefused(String(m.code), String(m.message)), 'authentication refused');
    }
    const list = this.handlers.get(type);
    if (list !== undefined) for (let i = 0; i < list.length; i++) (list[i] as Handler)(m);
    // A push, or a reply to a message sent untracked by send() (the benchmark's orders): nothing to look up.
    if (this.pending.size === 0) return;
    const id = m.id;
    if (id === undefined) return;
    const p = this.pending.get(id as MsgId);
    if (p === undefined) return;
    this.pending.delete(id as MsgId);
    clearTimeout(p.timer);
    if (type === 'error') p.reject(clientErrors.server(p.what, String(m.code), String(m.message)));
    else p.resolve(m);
  }

  private emit<K extends keyof ClientEvents>(type: K, e: ClientEvents[K]): void {
    const list = this.handlers.get(type);
    if (list !== undefined) for (const h of [...list]) h(e);
  }

  // ---- requests ----

  private request<T>(kind: Kind, what: string, msg: Pending['msg'], key?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { kind, what, msg, resolve, reject, ...(key !== undefined ? { key } : {}) };
      if (this.state === 'ready') return this.transmit(p);
      if (this.state === 'closed') return reject(clientErrors.closed(`${what} after close`));
      // Orders and subscriptions wait for the connection; the rest would act on a state the caller cannot see.
      if (kind === 'other') return reject(clientErrors.notConnected(what));
      this.queued.push(p);
    });
  }

  /** Sends under a fresh id (a resent order keeps its clientOrderId: that is what makes it idempotent). */
  private transmit(p: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, p);
    p.timer = setTimeout(() => {
      if (this.pending.get(id) !== p) return;
      this.pending.delete(id);
      p.reject(clientErrors.timeout(p.what, this.requestTimeoutMs));
    }, this.requestTimeoutMs);
    (this.socket as WebSocketLike).send(this.codec.encode({ ...p.msg, id }));
  }
}
