/**
 * The cluster transport over websockets: one persistent link per pair of engines, carrying both
 * directions (requests, answers and one-way messages of either side), so everything one engine
 * sends another arrives in order. The engine whose id sorts first dials (the `ws` package); the
 * other accepts on its own uWS app at CLUSTER_PATH (attach). Frames are MessagePack envelopes:
 *
 *   {k: 'req', id, body}   a request (PeerRequest), answered by
 *   {k: 'ans', id, body}   its answer (PeerAnswer), on the same link
 *   {k: 'push', body}      a one-way message (PeerPush)
 *
 * The upgrade must present the deployment's CLUSTER_SECRET (`x-cluster-secret`) and the dialer's
 * engine id (`x-cluster-engine`); anything else is refused with 401 before a socket exists. Over a
 * network that is not private, give the engines TLS (the endpoint is then https, the link wss).
 *
 * A link that drops fails its requests in flight (PeerUnreachableError, which the router answers
 * with a retryable PARTITION_MOVING) and the dialer redials with a growing pause while the peer is
 * listed among the live engines. A dialer that hears nothing (not even a pong) for two ping
 * intervals drops the link: a frozen peer is not waited for.
 *
 * A message bus could replace this file behind ClusterTransport (cluster-transport.ts says how).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decode, encode } from '@msgpack/msgpack';
import uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket as UwsSocket, us_socket_context_t } from 'uWebSockets.js';
import WebSocket from 'ws';
import * as z from 'zod';
import type { LogFn } from '../../logger.js';
import { identifier } from '../text-schemas.js';
import { type ClusterTransport, type PeerHandler, PeerUnreachableError } from './cluster-transport.js';
import { CLUSTER_PATH, parseEndpoint } from './endpoint.js';
import { PeerAnswer, PeerPush, PeerRequest } from './peer-messages.js';

export interface WsTransportOptions {
  /** This engine's id (ENGINE_ID). */
  readonly self: string;
  /** CLUSTER_SECRET: every engine of the deployment has the same; at least 16 characters. */
  readonly secret: string;
  /** The live engines and their endpoints (OwnershipView.engines). */
  readonly peers: () => readonly { readonly id: string; readonly endpoint: string }[];
  /** Told when the live engines may have changed (OwnershipView.onChange). */
  readonly onPeersChange: (listener: () => void) => () => void;
  readonly log?: LogFn;
  /** Largest internal frame (default 16 MiB): a batch of frames or ticks. */
  readonly maxFrameBytes?: number;
  /** Dialer's ping interval; a link silent for two of them is dropped (default 2000 ms). */
  readonly pingMs?: number;
  /** Redial pauses, doubling from min to max (default 100 .. 2000 ms). */
  readonly redialMs?: { readonly min: number; readonly max: number };
  /** Certificates a wss:// dialer trusts besides the system's (engines with their own CA). */
  readonly ca?: Buffer;
}

const DEFAULTS = { maxFrameBytes: 16 * 1024 * 1024, pingMs: 2000, redialMs: { min: 100, max: 2000 } };

/** Fields of a hostile peer's upgrade: an engine id is a short printable identifier. */
const EngineId = identifier(128);
const Envelope = z.discriminatedUnion('k', [
  z.strictObject({ k: z.literal('req'), id: z.number().int().nonnegative(), body: z.unknown() }),
  z.strictObject({ k: z.literal('ans'), id: z.number().int().nonnegative(), body: z.unknown() }),
  z.strictObject({ k: z.literal('push'), body: z.unknown() }),
]);

/** One side of a link, whichever library holds the socket. */
interface Link {
  readonly peer: string;
  up: boolean;
  write(bytes: Uint8Array): void;
  close(why: string): void;
  readonly pending: Map<number, { resolve: (a: PeerAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>;
  nextId: number;
}

interface ServerLinkData {
  readonly peer: string;
  link?: Link;
}

/** Counts of what the transport refused or dropped (tests and /health read them). */
export interface TransportCounters {
  refusedUpgrades: number;
  badFrames: number;
  linksOpened: number;
  linksDropped: number;
}

export class WsClusterTransport implements ClusterTransport {
  readonly self: string;
  readonly counters: TransportCounters = { refusedUpgrades: 0, badFrames: 0, linksOpened: 0, linksDropped: 0 };
  private readonly o: WsTransportOptions & typeof DEFAULTS;
  private readonly log: LogFn;
  private readonly secretDigest: Buffer;
  private handler: PeerHandler | undefined;
  private readonly links = new Map<string, Link>();
  /** Peers this engine dials: the socket (while dialing or open) and the redial state. */
  private readonly dials = new Map<string, { ws: WebSocket | undefined; timer: NodeJS.Timeout | undefined; pauseMs: number; endpoint: string }>();
  private unwatch: (() => void) | undefined;
  private closed = false;

  constructor(opts: WsTransportOptions) {
    if (opts.secret.length < 16) throw new Error('CLUSTER_SECRET: expected at least 16 characters, shared by every engine of the deployment');
    if (!EngineId.safeParse(opts.self).success) throw new Error(`ENGINE_ID: expected 1..128 printable characters, got ${JSON.stringify(opts.self.slice(0, 64))}`);
    this.o = { ...DEFAULTS, ...opts };
    this.self = opts.self;
    this.log = opts.log ?? (() => {});
    this.secretDigest = digest(opts.secret);
  }

  serve(handler: PeerHandler): void {
    this.handler = handler;
  }

  /** The accepting side: the internal route on the engine's own uWS app. Call before it listens. */
  attach(app: TemplatedApp): void {
    app.ws<ServerLinkData>(CLUSTER_PATH, {
      compression: uWS.DISABLED,
      maxPayloadLength: this.o.maxFrameBytes,
      // Never drop a frame silently (that would break the order the router relies on): above this
      // backlog the link is closed instead, failing what is in flight.
      maxBackpressure: this.o.maxFrameBytes * 4,
      closeOnBackpressureLimit: 0,
      idleTimeout: 30,
      sendPingsAutomatically: true,
      upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
        try {
          this.upgrade(res, req, context);
        } catch (e) {
          this.log('error', 'cluster upgrade threw', { error: String(e) });
          try {
            res.writeStatus('500 Internal Server Error').end();
          } catch {
            // already answered
          }
        }
      },
      open: (ws: UwsSocket<ServerLinkData>) => this.openServerLink(ws),
      message: (ws: UwsSocket<ServerLinkData>, ab: ArrayBuffer) => {
        const link = ws.getUserData().link;
        // A copy: uWS reuses `ab`, and decoded binary fields (relayed frames) are views into it.
        if (link !== undefined) this.receive(link, new Uint8Array(ab.slice(0)));
      },
      close: (ws: UwsSocket<ServerLinkData>) => {
        const link = ws.getUserData().link;
        if (link !== undefined) this.dropped(link, 'closed by peer');
      },
    });
  }

  /** Starts dialing the peers this engine dials, now and whenever the live engines change. */
  start(): void {
    this.unwatch = this.o.onPeersChange(() => {
      if (!this.closed) this.reconcileDials();
    });
    this.reconcileDials();
  }

  request(to: string, body: PeerRequest, timeoutMs: number): Promise<PeerAnswer> {
    const link = this.links.get(to);
    if (link === undefined || !link.up) return Promise.reject(new PeerUnreachableError(to, 'no link'));
    const id = link.nextId++;
    return new Promise<PeerAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        link.pending.delete(id);
        reject(new PeerUnreachableError(to, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      link.pending.set(id, { resolve, reject, timer });
      link.write(encode({ k: 'req', id, body }));
    });
  }

  send(to: string, body: PeerPush): void {
    const link = this.links.get(to);
    if (link?.up) link.write(encode({ k: 'push', body }));
  }

  broadcast(body: PeerPush): void {
    let bytes: Uint8Array | undefined;
    for (const link of this.links.values()) if (link.up) link.write((bytes ??= encode({ k: 'push', body })));
  }

  linkUp(to: string): boolean {
    return this.links.get(to)?.up === true;
  }

  /** Drops the link to `peer` now, failing what is in flight; the dialing side dials again. */
  disconnect(peer: string): void {
    const link = this.links.get(peer);
    if (link === undefined) return;
    link.close('disconnected');
    this.dropped(link, 'disconnected');
  }

    /** Engines with a link up now. */
  connectedPeers(): string[] {
    return [...this.links.values()].filter((l) => l.up).map((l) => l.peer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    for (const d of this.dials.values()) {
      clearTimeout(d.timer);
      d.ws?.terminate();
    }
    this.dials.clear();
    for (const link of [...this.links.values()]) {
      link.close('shutting down');
      this.dropped(link, 'shutting down');
    }
  }

  // ---- accepting side ----

  private upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const secret = req.getHeader('x-cluster-secret');
    const peer = req.getHeader('x-cluster-engine');
    const refuse = (why: string) => {
      this.counters.refusedUpgrades += 1;
      this.log('warn', 'cluster link refused', { why, peer: peer.slice(0, 64) });
      res.cork(() => res.writeStatus('401 Unauthorized').writeHeader('content-type', 'application/json').end(JSON.stringify({ code: 'UNAUTHENTICATED', message: why }), true));
    };
    if (this.closed) return refuse('shutting down');
    if (!timingSafeEqual(digest(secret), this.secretDigest)) return refuse('x-cluster-secret missing or wrong');
    if (!EngineId.safeParse(peer).success || peer === this.self) return refuse('x-cluster-engine missing, malformed or this engine');
    res.upgrade<ServerLinkData>({ peer }, key, protocol, extensions, context);
  }

  private openServerLink(ws: UwsSocket<ServerLinkData>): void {
    const data = ws.getUserData();
    let open = true;
    const link: Link = {
      peer: data.peer, up: true, pending: new Map(), nextId: 1,
      write: (bytes) => {
        // After end() or the close callback the socket is gone (uWS throws on a closed one).
        if (!open || !link.up) return;
        let status = 0;
        ws.cork(() => {
          status = ws.send(bytes, true);
        });
        if (status === 2) {
          this.log('error', 'cluster link backlog over its limit: closing it', { peer: link.peer });
          link.close('backlog over its limit');
        }
      },
      close: () => {
        if (!open) return;
        open = false;
        ws.end(1001, 'closing');
      },
    };
    data.link = link;
    const before = this.links.get(link.peer);
    if (before !== undefined) {
      before.close('replaced by a new link');
      this.dropped(before, 'replaced by a new link');
    }
    this.opened(link);
  }

  // ---- dialing side ----

  private reconcileDials(): void {
    const live = new Map(this.o.peers().map((p) => [p.id, p.endpoint]));
    for (const [id, endpoint] of live) {
      if (id === this.self || !(this.self < id)) continue;
      const d = this.dials.get(id);
      if (d === undefined) {
        this.dials.set(id, { ws: undefined, timer: undefined, pauseMs: this.o.redialMs.min, endpoint });
        this.dial(id);
      } else if (d.endpoint !== endpoint) {
        // The peer came back elsewhere: drop the old link, dial the new address.
        d.endpoint = endpoint;
        d.ws?.terminate();
      }
    }
    for (const [id, d] of this.dials) {
      if (live.has(id)) continue;
      // No longer live: stop redialing; an open link stays until it drops (the peer may be handing off).
      clearTimeout(d.timer);
      if (d.ws === undefined) this.dials.delete(id);
    }
  }

  private dial(peer: string): void {
    const d = this.dials.get(peer);
    if (d === undefined || this.closed) return;
    d.timer = undefined;
    const target = parseEndpoint(d.endpoint);
    if (target === undefined) {
      this.log('error', 'cluster peer endpoint is not an http(s) base URL', { peer, endpoint: d.endpoint.slice(0, 200) });
      return this.redial(peer);
    }
    const ws = new WebSocket(target.linkUrl, {
      headers: { 'x-cluster-secret': this.o.secret, 'x-cluster-engine': this.self },
      maxPayload: this.o.maxFrameBytes,
      handshakeTimeout: 5000,
      perMessageDeflate: false,
      ...(this.o.ca ? { ca: this.o.ca } : {}),
    });
    ws.binaryType = 'nodebuffer';
    d.ws = ws;
    let link: Link | undefined;
    let heard = true;
    let pinger: NodeJS.Timeout | undefined;
    ws.on('open', () => {
      d.pauseMs = this.o.redialMs.min;
      link = {
        peer, up: true, pending: new Map(), nextId: 1,
        write: (bytes) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
        },
        close: () => ws.terminate(),
      };
      pinger = setInterval(() => {
        if (!heard) return ws.terminate();
        heard = false;
        ws.ping();
      }, this.o.pingMs);
      this.opened(link);
    });
    ws.on('pong', () => (heard = true));
    ws.on('message', (data: Buffer) => {
      heard = true;
      if (link !== undefined) this.receive(link, data);
    });
    ws.on('unexpected-response', (_req, res) => {
      this.log('error', 'cluster link refused by peer', { peer, status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', (e) => this.log('warn', 'cluster link error', { peer, error: e.message }));
    ws.on('close', () => {
      clearInterval(pinger);
      if (d.ws === ws) d.ws = undefined;
      if (link !== undefined) this.dropped(link, 'link closed');
      if (this.closed) return;
      if (this.o.peers().some((p) => p.id === peer)) this.redial(peer);
      else this.dials.delete(peer);
    });
  }

  private redial(peer: string): void {
    const d = this.dials.get(peer);
    if (d === undefined || this.closed || d.timer !== undefined) return;
    d.timer = setTimeout(() => this.dial(peer), d.pauseMs);
    d.pauseMs = Math.min(d.pauseMs * 2, this.o.redialMs.max);
  }

  // ---- both sides ----

  private opened(link: Link): void {
    this.links.set(link.peer, link);
    this.counters.linksOpened += 1;
    this.log('info', 'cluster link up', { peer: link.peer });
    this.handler?.linkChanged(link.peer, true);
  }

  private dropped(link: Link, why: string): void {
    if (!link.up) return;
    link.up = false;
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    this.counters.linksDropped += 1;
    for (const p of link.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new PeerUnreachableError(link.peer, why));
    }
    link.pending.clear();
    this.log('warn', 'cluster link down', { peer: link.peer, why });
    this.handler?.linkChanged(link.peer, false);
  }

  /** One frame from a peer; a malformed one is counted and logged, never thrown. */
  private receive(link: Link, bytes: Uint8Array): void {
    let env: z.infer<typeof Envelope>;
    try {
      const parsed = Envelope.safeParse(decode(bytes, { maxMapLength: 1024, maxArrayLength: 100_000 }));
      if (!parsed.success) return this.bad(link, 'not an envelope');
      env = parsed.data;
    } catch {
      return this.bad(link, 'not MessagePack');
    }
    const handler = this.handler;
    try {
      if (env.k === 'ans') {
        const p = link.pending.get(env.id);
        if (p === undefined) return; // timed out already
        link.pending.delete(env.id);
        clearTimeout(p.timer);
        const a = PeerAnswer.safeParse(env.body);
        return a.success ? p.resolve(a.data) : p.reject(new Error(`engine ${link.peer} answered with a malformed body`));
      }
      if (env.k === 'push') {
        const m = PeerPush.safeParse(env.body);
        if (!m.success) return this.bad(link, `push: ${m.error.issues[0]?.message ?? 'invalid'}`);
        return handler?.push(link.peer, m.data);
      }
      const id = env.id;
      const r = PeerRequest.safeParse(env.body);
      const answer = (a: PeerAnswer) => {
        if (link.up) link.write(encode({ k: 'ans', id, body: a }));
      };
      if (!r.success) {
        this.bad(link, `request: ${r.error.issues[0]?.message ?? 'invalid'}`);
        return answer({ t: 'failed', code: 'BAD_REQUEST', message: `malformed request: ${(r.error.issues[0]?.path ?? []).join('.')}` });
      }
      if (handler === undefined) return answer({ t: 'failed', code: 'UNAVAILABLE', message: 'not serving yet' });
      handler.request(link.peer, r.data).then(answer, (e: unknown) => {
        this.log('error', 'cluster request failed', { peer: link.peer, error: e instanceof Error ? e.message : String(e) });
        answer({ t: 'failed', code: 'INTERNAL', message: 'the request failed on the owner' });
      });
    } catch (e) {
      this.log('error', 'cluster frame handling threw', { peer: link.peer, error: e instanceof Error ? e.stack : String(e) });
    }
  }

  private bad(link: Link, why: string): void {
    this.counters.badFrames += 1;
    this.log('warn', 'malformed cluster frame', { peer: link.peer, why });
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
