/**
 * Scale-out routing: every engine is also a gateway, and a client may connect to any. This router
 * sits between the gateway's handlers and the cluster transport:
 *
 * - A websocket order, cancel or replace for a portfolio whose partition another engine owns is
 *   forwarded to the owner with the connection's principal (take). The owner runs it through the
 *   same handlers as a local connection's, authorisation included, for a relay session standing
 *   in for the client (relay-session.ts); the frames it sends come back and are relayed to the
 *   client as they are.
 * - While the partition has no reachable owner the message waits (move-wait.ts), at most
 *   moveWaitMs and maxWaiting messages per engine, then gets PARTITION_MOVING (retryable). A link
 *   that drops with a message in flight answers it PARTITION_MOVING at once: the owner may have
 *   taken it, and an order resent with its clientOrderId gets the original outcome if so.
 * - Risk and order subscriptions of local clients to a remote portfolio are taken once per gateway
 *   at the owner (`watch`, counted per channel and portfolio) and the owner's events fanned out to
 *   the local subscribers (subscriptions.ts), as the engine's own events are.
 * - A tick this engine's feed gave it is passed on to every other engine (tick-fanout.ts).
 * - REST naming a portfolio owned elsewhere is proxied to the owner (rest-proxy.ts), an order
 *   id naming its portfolio (order-id.ts).
 * - A customer is halted on every engine (haltOwner, cluster-halt.ts): each halts the customer's
 *   portfolios it hosts; the answer says which engine could not be reached.
 * - A sanctions block found here reaches every engine's set of blocked customers, and every link
 *   that comes up carries this engine's whole set (cluster-blocks.ts).
 *
 * startGateway (server.ts) calls bind() with its handlers' context and the uWS app, then the hooks.
 * The composition root (main.ts) wires it so:
 *
 *   const transport = new WsClusterTransport({ self: ENGINE_ID, secret: CLUSTER_SECRET,
 *     peers: () => ownership.engines(), onPeersChange: (l) => ownership.onChange(l), log });
 *   const router = new ClusterRouter({ ownership, transport, moveWaitMs: CLUSTER_MOVE_WAIT_MS,
 *     maxWaiting: CLUSTER_MOVE_WAIT_MAX, metrics: promClusterMetrics, blocks: sanctionsBlocks, log });
 *   const gateway = await startGateway(engine, { ...options, cluster: router });
 *   transport.start();                       // dials the peers (and again when engines change)
 *   // the endpoint this engine announces: endpointOf(advertised host, gateway.port, tls) (endpoint.ts)
 *   // another tick source on this engine: engine.tick(...) then router.tickTaken(symbol, price, ts)
 *   // screening hits: router.haltOwner where engine.haltOwner was used, router.blockFound where
 *   //   sanctionsBlocks.add was
 *   // shutdown: await router.close(); await transport.close(); await gateway.close();
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { partitionOf } from '../../engine/cluster/partitions.js';
import type { TradingStateReason } from '../../engine/limits/types.js';
import type { Result } from '../../engine/result.js';
import type { EngineEvent, OwnerHalt } from '../../engine/runtime/engine-api.js';
import type { LogFn } from '../../logger.js';
import type { OwnershipView } from '../../persistence/cluster/ownership-port.js';
import type { Principal } from '../auth.js';
import { authorize } from '../authorize.js';
import { streamedRisk } from '../../engine/actors/streamed-risk.js';
import { errors } from '../errors.js';
import { type HttpResult, type RequestInfo, fail } from '../http-util.js';
import type { AuthMsg, ClientMsg, SubscribeMsg } from '../protocol.js';
import { type MessageRouter, type WsContext, runMessage } from '../ws-handlers.js';
import { type Session, pendingKey } from '../ws-session.js';
import { type BlockedOwners, ClusterBlocks } from './cluster-blocks.js';
import { haltOwnerEverywhere } from './cluster-halt.js';
import { type ClusterMetrics, NO_CLUSTER_METRICS } from './cluster-metrics.js';
import { type ClusterTransport, type PeerHandler, PeerUnreachableError } from './cluster-transport.js';
import { parseEndpoint } from './endpoint.js';
import { MoveWait } from './move-wait.js';
import { FORWARDED_TYPES, type ForwardedMsg, type PeerAnswer, type PeerPush, type PeerRequest, principalFromWire, principalToWire } from './peer-messages.js';
import { RelaySession } from './relay-session.js';
import { proxyRest, restPortfolioOf } from './rest-proxy.js';
import { TickFanout } from './tick-fanout.js';

export interface ClusterRouterOptions {
  readonly ownership: OwnershipView;
  readonly transport: ClusterTransport;
  /** CLUSTER_MOVE_WAIT_MS: how long a message waits for its partition's owner (default 2000). */
  readonly moveWaitMs?: number;
  /** CLUSTER_MOVE_WAIT_MAX: messages waiting at once on this engine (default 10000); beyond, refused at once. */
  readonly maxWaiting?: number;
  /** How long a forwarded message or proxied request may take at the owner (default 10000 ms). */
  readonly requestTimeoutMs?: number;
  readonly metrics?: ClusterMetrics;
  readonly log?: LogFn;
  /** For the REST proxy (tests may pass their own). */
  readonly fetch?: typeof fetch;
  /**
   * This engine's blocked customers (SanctionsBlocks, which its engine asks when it creates a
   * portfolio): blocks found here (blockFound) and by peers are kept in it. Without it, blocks are
   * neither told nor taken.
   */
  readonly blocks?: BlockedOwners;
}

export const CLUSTER_ROUTER_DEFAULTS = { moveWaitMs: 2000, maxWaiting: 10_000, requestTimeoutMs: 10_000 } as const;

/** Where a partition's messages go now. */
type Route = { readonly kind: 'local' } | { readonly kind: 'remote'; readonly owner: string; readonly endpoint: string };
const LOCAL: Route = { kind: 'local' };

/** The gateway's parts the router works with (startGateway passes them to bind). */
export interface GatewayParts {
  readonly ws: WsContext;
  readonly app: TemplatedApp;
}

/** Channels of a portfolio a local client may subscribe to at another engine. */
type RemoteChannel = 'risk' | 'orders';
const upstreamKey = (channel: RemoteChannel, portfolioId: string) => `${channel}\u0000${portfolioId}`;

interface Upstream {
  readonly channel: RemoteChannel;
  readonly portfolioId: string;
  readonly sessions: Set<Session>;
  /** The engine the watch was taken at (undefined: none yet, or lost with its link or partition). */
  owner: string | undefined;
  /** A watch request on its way. */
  taking: Promise<boolean> | undefined;
}

export class ClusterRouter implements MessageRouter, PeerHandler {
  private readonly o: Required<Omit<ClusterRouterOptions, 'log' | 'fetch' | 'metrics' | 'blocks'>> & { readonly metrics: ClusterMetrics; readonly fetch: typeof fetch };
  private readonly log: LogFn;
  private readonly waiting: MoveWait<Route>;
  private readonly ticks: TickFanout;
  private readonly blocks: ClusterBlocks | undefined;
  private ctx: WsContext | undefined;
  /** Local connections that had a message forwarded: their cluster number, and the peers that know it. */
  private readonly sids = new WeakMap<Session, number>();
  private readonly bySid = new Map<number, { readonly session: Session; readonly peers: Set<string> }>();
  private nextSid = 1;
  /** Relay sessions of other engines' clients: peer → their connection number → session. */
  private readonly relays = new Map<string, Map<number, RelaySession>>();
  /** Subscriptions taken at owners for local clients. */
  private readonly upstream = new Map<string, Upstream>();
  /** Peers watching this engine's portfolios: channel+portfolio → peers. */
  private readonly watchers = new Map<string, Set<string>>();
  private unsubscribers: (() => void)[] = [];
  private closed = false;

  constructor(opts: ClusterRouterOptions) {
    this.o = {
      ownership: opts.ownership, transport: opts.transport,
      moveWaitMs: opts.moveWaitMs ?? CLUSTER_ROUTER_DEFAULTS.moveWaitMs,
      maxWaiting: opts.maxWaiting ?? CLUSTER_ROUTER_DEFAULTS.maxWaiting,
      requestTimeoutMs: opts.requestTimeoutMs ?? CLUSTER_ROUTER_DEFAULTS.requestTimeoutMs,
      metrics: opts.metrics ?? NO_CLUSTER_METRICS,
      fetch: opts.fetch ?? fetch,
    };
    for (const [name, v] of [['moveWaitMs', this.o.moveWaitMs], ['maxWaiting', this.o.maxWaiting], ['requestTimeoutMs', this.o.requestTimeoutMs]] as const) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`cluster router: ${name} = ${v}, expected a finite number >= 0`);
    }
    this.log = opts.log ?? (() => {});
    this.waiting = new MoveWait(this.o.maxWaiting);
    this.blocks = opts.blocks === undefined ? undefined : new ClusterBlocks(opts.blocks, opts.transport);
    this.ticks = new TickFanout((ticks) => {
      this.o.transport.broadcast({ t: 'ticks', ticks });
      this.o.metrics.ticks('sent', ticks.length);
    });
  }

  /** Called by startGateway once its handlers' context exists; serves the transport from then on. */
  bind(parts: GatewayParts): void {
    this.ctx = parts.ws;
    this.o.transport.serve(this);
    this.o.transport.attach?.(parts.app);
    this.unsubscribers.push(
      this.o.ownership.onChange(() => this.routingChanged()),
      parts.ws.engine.onEvent(this.onEngineEvent),
    );
  }

  private get ws(): WsContext {
    if (this.ctx === undefined) throw new Error('ClusterRouter used before bind()');
    return this.ctx;
  }

  // ---- routing ----

  private partitionOf(portfolioId: string): number {
    return partitionOf(portfolioId, this.o.ownership.partitions);
  }

  /** The route of a partition now, or undefined while it has no reachable owner (or `stale` still is it). */
  private routeNow(partition: number, stale?: string): Route | undefined {
    const own = this.o.ownership;
    if (own.owns(partition)) return LOCAL;
    const r = own.routeOf(partition);
    // Ours in the table but not adopted yet: wait for the adoption.
    if (r === undefined || r.owner === own.engineId || r.owner === stale) return undefined;
    return this.o.transport.linkUp(r.owner) ? { kind: 'remote', owner: r.owner, endpoint: r.endpoint } : undefined;
  }

  /** The route, at once or after waiting for one; undefined (after counting why) when none came in time. */
  private async routeOf(partition: number, untilMs: number, stale?: string): Promise<Route | undefined> {
    const start = Date.now();
    const now = this.routeNow(partition, stale);
    if (now !== undefined) return now;
    const end = await this.waiting.wait(() => this.routeNow(partition, stale), untilMs);
    this.o.metrics.waited('route' in end ? 'routed' : end.refused, Date.now() - start);
    return 'route' in end ? end.route : undefined;
  }

  private routingChanged(): void {
    this.waiting.recheck();
    this.rewatch();
  }

  // ---- websocket: the forwarding side ----

  take(s: Session, p: Principal, msg: Exclude<ClientMsg, AuthMsg>, arrivedMs: number): boolean {
    if (msg.type === 'subscribe' && (msg.channel === 'risk' || msg.channel === 'orders') && msg.portfolioId !== undefined) {
      if (this.o.ownership.owns(this.partitionOf(msg.portfolioId)) || this.ws.engine.hasPortfolio(msg.portfolioId)) return false;
      void this.subscribeRemote(s, p, msg as SubscribeMsg & { channel: RemoteChannel; portfolioId: string }).catch((e: unknown) => this.failed(s, msg.id, 'subscribe', e));
      return true;
    }
    if (msg.type === 'unsubscribe') {
      this.unsubscribed(s, msg.channel, msg.portfolioId);
      return false;
    }
    if (!FORWARDED_TYPES.has(msg.type)) return false;
    const m = msg as ForwardedMsg;
    const partition = this.partitionOf(m.portfolioId);
    if (this.o.ownership.owns(partition)) return false;
    void this.forward(s, p, m, arrivedMs, partition).catch((e: unknown) => this.failed(s, m.id, m.type, e));
    return true;
  }

  /**
   * A tick this engine took, for every other engine to apply: the websocket feed's (ws-handlers.ts
   * calls it); any other source of ticks on this engine (main.ts's synthetic market) calls it too.
   */
  tickTaken(symbol: string, price: number, ts: number): void {
    this.ticks.add(symbol, price, ts);
  }

  /** A local connection closed: forget it, and tell the peers that hold a relay session for it. */
  sessionClosed(s: Session): void {
    for (const key of [...s.subs.risk].map((k) => upstreamKey('risk', k)).concat([...s.subs.orders].map((k) => upstreamKey('orders', k)))) this.leave(key, s);
    const sid = this.sids.get(s);
    if (sid === undefined) return;
    const entry = this.bySid.get(sid);
    this.bySid.delete(sid);
    for (const peer of entry?.peers ?? []) this.o.transport.send(peer, { t: 'closed', sid });
  }

  private sidOf(s: Session): number {
    let sid = this.sids.get(s);
    if (sid === undefined) {
      sid = this.nextSid++;
      this.sids.set(s, sid);
      this.bySid.set(sid, { session: s, peers: new Set() });
    }
    return sid;
  }

  private async forward(s: Session, p: Principal, msg: ForwardedMsg, arrivedMs: number, partition: number): Promise<void> {
    const untilMs = Date.now() + this.o.moveWaitMs;
    const started = Date.now();
    // As the handlers do for a local order: a fill fanned out here (a subscription to the portfolio)
    // waits until the ack has been relayed, which brings the order's immediate fills itself.
    const pending = msg.type === 'order' ? pendingKey(msg.portfolioId, msg.clientOrderId) : msg.type === 'replace' ? msg.orderId : undefined;
    if (pending !== undefined) s.pendingOrders.add(pending);
    try {
      let stale: string | undefined;
      for (;;) {
        const route = await this.routeOf(partition, untilMs, stale);
        if (s.closed) return;
        if (route === undefined) return this.moving(s, msg, partition, started);
        if (route.kind === 'local') return await runMessage(this.ws, s, p, msg, arrivedMs);
        const sid = this.sidOf(s);
        this.bySid.get(sid)?.peers.add(route.owner);
        const t0 = performance.now();
        let answer: PeerAnswer;
        try {
          // Clocks of two processes do not compare: the owner is told how long ago the frame arrived here.
          const m = this.ws.metrics;
          const arrivedAgoMs = m === undefined ? 0 : Math.max(0, Math.min(3_600_000, m.now() - arrivedMs));
          answer = await this.o.transport.request(route.owner, { t: 'client', sid, principal: principalToWire(p), msg, arrivedAgoMs }, this.o.requestTimeoutMs);
        } catch (e) {
          if (!(e instanceof PeerUnreachableError)) throw e;
          // In flight when the link dropped: the owner may have taken it, so it is not sent again here.
          this.o.metrics.forwarded(msg.type, 'moving', performance.now() - t0);
          return this.moving(s, msg, partition, started);
        }
        if (answer.t === 'done') return this.o.metrics.forwarded(msg.type, 'answered', performance.now() - t0);
        if (answer.t !== 'notOwner') {
          const code = answer.t === 'failed' ? answer.code : `UNEXPECTED_ANSWER_${answer.t}`;
          this.o.metrics.forwarded(msg.type, 'failed', performance.now() - t0);
          this.log('error', 'forwarded message failed on its owner', { owner: route.owner, type: msg.type, code, ...(answer.t === 'failed' ? { message: answer.message } : {}) });
          return s.sendReliable({ type: 'error', id: msg.id, ...errors.internal(`the owner of the portfolio could not handle the message (${code})`) });
        }
        // notOwner: the routing map here is behind; wait for it to name someone else.
        this.o.metrics.forwarded(msg.type, 'moving', performance.now() - t0);
        stale = route.owner;
      }
    } finally {
      if (pending !== undefined) s.pendingOrders.delete(pending);
    }
  }

  /**
   * An order, cancel or replace that found no owner: a `reject` as every other refusal of an order
   * message (naming its clientOrderId or orderId, which the client resends under); anything else
   * an `error`.
   */
  private moving(s: Session, msg: { readonly id?: string | number | undefined; readonly type: string; readonly clientOrderId?: string; readonly orderId?: string }, partition: number, startedMs: number): void {
    const e = errors.partitionMoving(partition, Date.now() - startedMs);
    if (FORWARDED_TYPES.has(msg.type)) {
      s.sendReliable({
        type: 'reject', id: msg.id, code: e.code, reason: e.message,
        ...(msg.clientOrderId !== undefined ? { clientOrderId: msg.clientOrderId } : {}), ...(msg.orderId !== undefined ? { orderId: msg.orderId } : {}),
      });
    } else s.sendReliable({ type: 'error', id: msg.id, ...e });
  }

  private failed(s: Session, id: string | number | undefined, what: string, e: unknown): void {
    this.log('error', `cluster ${what} failed`, { error: e instanceof Error ? e.stack : String(e) });
    s.sendReliable({ type: 'error', id, ...errors.internal(`cluster ${what} failed`) });
  }

  // ---- subscriptions: the subscriber's side ----

  private async subscribeRemote(s: Session, p: Principal, msg: SubscribeMsg & { channel: RemoteChannel; portfolioId: string }): Promise<void> {
    const { channel, portfolioId } = msg;
    // The same checks, in the same order, as handleSubscribe's for a local portfolio.
    const denied = authorize(p, 'read', portfolioId);
    if (denied !== null) return s.sendReliable({ type: 'error', id: msg.id, ...errors.forbidden(denied) });
    if (!s.subs[channel].has(portfolioId) && s.subscriptionCount + 1 > this.ws.maxSubscriptions) return s.sendReliable({ type: 'error', id: msg.id, ...errors.tooManySubscriptions(this.ws.maxSubscriptions) });
    const key = upstreamKey(channel, portfolioId);
    let up = this.upstream.get(key);
    if (up === undefined) this.upstream.set(key, (up = { channel, portfolioId, sessions: new Set(), owner: undefined, taking: undefined }));
    // Counted before the watch is taken, so a second subscriber meanwhile waits for the same one.
    up.sessions.add(s);
    const outcome = await this.watch(up, Date.now() + this.o.moveWaitMs);
    if (s.closed) return this.leave(key, s);
    if (outcome === 'moving') {
      this.leave(key, s);
      return this.moving(s, msg, this.partitionOf(portfolioId), Date.now() - this.o.moveWaitMs);
    }
    if (outcome === 'missing') {
      this.leave(key, s);
      return s.sendReliable({ type: 'error', id: msg.id, ...errors.notFound(`portfolio ${portfolioId}`) });
    }
    this.ws.subs.subscribe(s, channel, portfolioId);
    s.sendReliable({ type: 'subscribed', id: msg.id, channel, portfolioId });
    if (channel === 'risk' && outcome.risk !== undefined) s.sendReliable({ type: 'risk', ...outcome.risk });
  }

  /** Takes (or joins) the upstream watch; 'moving' when no owner could be reached in time. */
  private async watch(up: Upstream, untilMs: number): Promise<'moving' | 'missing' | { risk?: Record<string, unknown> }> {
    if (up.owner !== undefined && up.taking === undefined) {
      // Already watched: asked again (idempotent there) for the latest risk, to greet the new subscriber.
      const r = await this.askWatch(up, up.owner);
      return r === 'notOwner' ? 'moving' : r;
    }
    if (up.taking !== undefined) {
      const ok = await up.taking;
      return ok ? {} : 'moving';
    }
    const partition = this.partitionOf(up.portfolioId);
    let stale: string | undefined;
    let result: 'moving' | 'missing' | { risk?: Record<string, unknown> } = 'moving';
    let resolveTaking!: (ok: boolean) => void;
    up.taking = new Promise((r) => (resolveTaking = r));
    try {
      for (;;) {
        const route = await this.routeOf(partition, untilMs, stale);
        if (route === undefined) break;
        if (route.kind === 'local') {
          result = this.ws.engine.hasPortfolio(up.portfolioId) ? {} : 'missing';
          break;
        }
        const r = await this.askWatch(up, route.owner);
        if (r === 'notOwner') {
          stale = route.owner;
          continue;
        }
        result = r;
        if (r !== 'moving' && r !== 'missing') up.owner = route.owner;
        break;
      }
    } finally {
      up.taking = undefined;
      resolveTaking(result !== 'moving' && result !== 'missing');
    }
    return result;
  }

  private async askWatch(up: Upstream, owner: string): Promise<'moving' | 'missing' | 'notOwner' | { risk?: Record<string, unknown> }> {
    const t0 = performance.now();
    try {
      const a = await this.o.transport.request(owner, { t: 'watch', channel: up.channel, portfolioId: up.portfolioId, delta: 1 }, this.o.requestTimeoutMs);
      this.o.metrics.forwarded('watch', a.t === 'done' ? 'answered' : a.t === 'notOwner' ? 'moving' : 'failed', performance.now() - t0);
      if (a.t === 'notOwner') return 'notOwner';
      if (a.t !== 'done') return 'moving';
      if (a.exists === false) return 'missing';
      return a.risk !== undefined ? { risk: a.risk } : {};
    } catch (e) {
      if (!(e instanceof PeerUnreachableError)) throw e;
      this.o.metrics.forwarded('watch', 'moving', performance.now() - t0);
      return 'moving';
    }
  }

  private unsubscribed(s: Session, channel: string, portfolioId: string | undefined): void {
    if ((channel !== 'risk' && channel !== 'orders') || portfolioId === undefined) return;
    const key = upstreamKey(channel, portfolioId);
    if (!this.upstream.has(key)) return;
    // handleUnsubscribe then removes it from the local topic as for any portfolio.
    this.leave(key, s);
  }

  /** A local subscriber left an upstream watch; the last one gives it up at the owner. */
  private leave(key: string, s: Session): void {
    const up = this.upstream.get(key);
    if (up === undefined || !up.sessions.delete(s) || up.sessions.size > 0 || up.taking !== undefined) return;
    this.upstream.delete(key);
    if (up.owner !== undefined) {
      this.o.transport.request(up.owner, { t: 'watch', channel: up.channel, portfolioId: up.portfolioId, delta: -1 }, this.o.requestTimeoutMs).catch(() => {
        // The link dropped: the owner forgot this engine's watches with it.
      });
    }
  }

  /** After a routing or link change: watches whose owner changed or was lost are taken again. */
  private rewatch(): void {
    for (const up of this.upstream.values()) {
      if (up.taking !== undefined) continue;
      const route = this.routeNow(this.partitionOf(up.portfolioId));
      const want = route?.kind === 'remote' ? route.owner : undefined;
      if (up.owner !== undefined && up.owner === want) continue;
      if (up.owner !== undefined && this.o.transport.linkUp(up.owner)) {
        this.o.transport.request(up.owner, { t: 'watch', channel: up.channel, portfolioId: up.portfolioId, delta: -1 }, this.o.requestTimeoutMs).catch(() => {});
      }
      up.owner = undefined;
      if (want !== undefined) void this.watch(up, Date.now() + this.o.moveWaitMs).catch((e: unknown) => this.log('warn', 'cluster rewatch failed', { error: String(e) }));
    }
  }

  // ---- the owner's side ----

  async request(from: string, body: PeerRequest): Promise<PeerAnswer> {
    if (this.closed) return { t: 'notOwner' };
    if (body.t === 'client') {
      const { msg } = body;
      if (!this.o.ownership.owns(this.partitionOf(msg.portfolioId))) return { t: 'notOwner' };
      const principal = principalFromWire(body.principal);
      const relay = this.relayOf(from, body.sid, principal);
      relay.principal = principal;
      relay.inFlight += 1;
      try {
        const arrivedMs = (this.ws.metrics?.now() ?? performance.now()) - body.arrivedAgoMs;
        await runMessage(this.ws, relay, principal, msg, arrivedMs);
      } finally {
        relay.inFlight -= 1;
      }
      return { t: 'done' };
    }
    if (body.t === 'haltOwner') {
      const r = await this.ws.engine.haltOwner(body.ownerId, body.reason, body.by);
      return r.ok ? { t: 'halted', portfolioIds: [...r.value.portfolioIds] } : { t: 'failed', code: r.code.slice(0, 64), message: r.message.slice(0, 1024) };
    }
    // watch
    const { channel, portfolioId, delta } = body;
    if (!this.o.ownership.owns(this.partitionOf(portfolioId))) return { t: 'notOwner' };
    const key = upstreamKey(channel, portfolioId);
    let peers = this.watchers.get(key);
    if (delta === 1) {
      if (!this.ws.engine.hasPortfolio(portfolioId)) return { t: 'done', exists: false };
      if (peers === undefined) this.watchers.set(key, (peers = new Set()));
      if (!peers.has(from)) {
        peers.add(from);
        if (channel === 'risk') this.ws.engine.watchRisk(portfolioId, 1);
      }
      const risk = channel === 'risk' ? this.ws.engine.getRisk(portfolioId) : undefined;
      // The greeting of a new subscriber, as the `risk` frame carries it.
      return { t: 'done', exists: true, ...(risk !== undefined ? { risk: { ...streamedRisk(risk) } as Record<string, unknown> } : {}) };
    }
    if (peers?.delete(from) === true) {
      if (channel === 'risk') this.ws.engine.watchRisk(portfolioId, -1);
      if (peers.size === 0) this.watchers.delete(key);
    }
    return { t: 'done' };
  }

  push(from: string, body: PeerPush): void {
    switch (body.t) {
      case 'frames':
        return this.relayFrames(body.sid, body.frames, body.late);
      case 'closed': {
        const relay = this.relays.get(from)?.get(body.sid);
        if (relay !== undefined) this.forgetRelay(from, relay);
        return;
      }
      case 'ticks': {
        this.o.metrics.ticks('received', body.ticks.length);
        // Applied as the feed's own ticks are (the engine's checks included); not passed on again.
        for (const [symbol, price, ts] of body.ticks) this.ws.engine.tick(symbol, price, ts);
        return;
      }
      case 'blocked':
        this.blocks?.received(body.ownerIds);
        return;
      case 'event': {
        const up = this.upstream.get(upstreamKey(body.channel, body.portfolioId));
        // Only from the engine the watch was taken at (a late event of a former owner is dropped).
        if (up === undefined || up.owner !== from) return;
        this.ws.subs.onEngineEvent(body.event as unknown as EngineEvent);
        return;
      }
    }
  }

  linkChanged(peer: string, up: boolean): void {
    if (!up) {
      const mine = this.relays.get(peer);
      if (mine !== undefined) for (const relay of [...mine.values()]) this.forgetRelay(peer, relay);
      for (const [key, peers] of this.watchers) {
        if (!peers.delete(peer)) continue;
        if (key.startsWith('risk\u0000')) this.ws.engine.watchRisk(key.slice(5), -1);
        if (peers.size === 0) this.watchers.delete(key);
      }
      for (const u of this.upstream.values()) if (u.owner === peer) u.owner = undefined;
    } else {
      this.blocks?.linkUp(peer);
    }
    this.routingChanged();
  }

  private relayOf(peer: string, sid: number, principal: Principal): RelaySession {
    let mine = this.relays.get(peer);
    if (mine === undefined) this.relays.set(peer, (mine = new Map()));
    let relay = mine.get(sid);
    if (relay === undefined) {
      relay = new RelaySession(principal, this.ws.codec, (frame, late) => this.o.transport.send(peer, { t: 'frames', sid, frames: [frame], late }), peer, sid);
      mine.set(sid, relay);
    }
    return relay;
  }

  private forgetRelay(peer: string, relay: RelaySession): void {
    this.relays.get(peer)?.delete(relay.sid);
    this.ws.subs.drop(relay);
    relay.markClosed();
  }

  /** Frames from an owner for a local connection, sent on as they are. */
  private relayFrames(sid: number, frames: readonly Uint8Array[], late: boolean): void {
    const s = this.bySid.get(sid)?.session;
    if (s === undefined || s.closed) return;
    for (const f of frames) {
      // A later fill of an order the client placed: a client also subscribed to the portfolio's
      // orders here gets it from the upstream subscription instead (once, as on one engine).
      if (late && this.subscribedFill(s, f)) continue;
      s.sendBytes(f);
    }
  }

  private subscribedFill(s: Session, frame: Uint8Array): boolean {
    if (s.subs.orders.size === 0) return false;
    const d = this.ws.codec.decode(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);
    if (!d.ok || d.value.type !== 'fill' || typeof d.value.portfolioId !== 'string') return false;
    return s.subs.orders.has(d.value.portfolioId) && this.upstream.has(upstreamKey('orders', d.value.portfolioId));
  }

  /** The owner's events of watched portfolios, pushed to the watching engines. */
  private readonly onEngineEvent = (e: EngineEvent): void => {
    if (this.watchers.size === 0) return;
    let channel: RemoteChannel, portfolioId: string, event: Record<string, unknown>;
    switch (e.type) {
      case 'risk':
        channel = 'risk';
        portfolioId = e.portfolioId;
        if (!this.watchers.has(upstreamKey(channel, portfolioId))) return;
        event = { type: 'risk', portfolioId, risk: { ...e.risk } };
        break;
      case 'fill':
        channel = 'orders';
        portfolioId = e.fill.portfolioId;
        event = { type: 'fill', fill: { ...e.fill } };
        break;
      case 'order':
        channel = 'orders';
        portfolioId = e.order.portfolioId;
        event = { type: 'order', order: { ...e.order } };
        break;
      default:
        return;
    }
    const peers = this.watchers.get(upstreamKey(channel, portfolioId));
    if (peers === undefined) return;
    for (const peer of peers) this.o.transport.send(peer, { t: 'event', channel, portfolioId, event });
  };

  // ---- customers: halts and sanctions blocks ----

  /**
   * Engine.haltOwner for the whole cluster: this engine and every other live engine halt the
   * customer's portfolios they host, at once. Ok with every portfolio halted; ENGINE_UNREACHABLE
   * (what was halted, and which engine was not reached) when an engine did not answer.
   */
  haltOwner(ownerId: string, reason: TradingStateReason, by: string): Promise<Result<OwnerHalt>> {
    const self = this.o.ownership.engineId;
    const peers = this.o.ownership.engines().map((e) => e.id).filter((id) => id !== self);
    return haltOwnerEverywhere(ownerId, {
      self, peers,
      local: () => this.ws.engine.haltOwner(ownerId, reason, by),
      ask: (peer) => this.o.transport.request(peer, { t: 'haltOwner', ownerId, reason, by }, this.o.requestTimeoutMs),
    });
  }

  /** A sanctions block this engine found (screening-hits.ts): kept here and told to every engine. */
  blockFound(ownerId: string): void {
    if (this.blocks === undefined) throw new Error('ClusterRouter.blockFound without the blocks option');
    this.blocks.found(ownerId);
  }

  // ---- REST ----

  /**
   * A REST request (credential verified, body parsed) naming a portfolio owned elsewhere: the
   * owner's answer. Undefined: answer it here (owned here, or naming no single portfolio).
   */
  async rest(method: string, pattern: string, info: RequestInfo, json: unknown, body: Buffer | undefined): Promise<HttpResult | undefined> {
    const portfolioId = restPortfolioOf(method, pattern, info, json);
    if (portfolioId === undefined) return undefined;
    const partition = this.partitionOf(portfolioId);
    if (this.o.ownership.owns(partition)) return undefined;
    const started = Date.now();
    // A proxied request is never proxied again: two engines' maps disagreeing must not loop.
    if (info.forwardedBy !== undefined) return fail(503, errors.partitionMoving(partition, 0));
    const route = await this.routeOf(partition, started + this.o.moveWaitMs);
    if (route === undefined) return fail(503, errors.partitionMoving(partition, Date.now() - started));
    if (route.kind === 'local') return undefined;
    const target = parseEndpoint(route.endpoint);
    if (target === undefined) {
      this.log('error', 'cluster owner endpoint is not an http(s) base URL', { owner: route.owner, endpoint: route.endpoint.slice(0, 200) });
      return fail(503, errors.partitionMoving(partition, Date.now() - started));
    }
    const t0 = performance.now();
    try {
      const r = await proxyRest(target.httpBase, this.o.ownership.engineId, info, body, this.o.requestTimeoutMs, this.o.fetch);
      this.o.metrics.forwarded('rest', 'answered', performance.now() - t0);
      return r;
    } catch (e) {
      this.o.metrics.forwarded('rest', 'failed', performance.now() - t0);
      this.log('warn', 'REST proxy to the owner failed', { owner: route.owner, error: e instanceof Error ? e.message : String(e) });
      return fail(503, errors.partitionMoving(partition, Date.now() - started));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ticks.flush();
    this.waiting.close();
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
  }
}
