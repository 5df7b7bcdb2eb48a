/**
 * startGateway: one uWS app serving the websocket (/ws) and the REST admin routes. It composes the
 * single-purpose modules (codec, auth, authorize, ws-session, subscriptions, rest-routes, health)
 * and holds no state beyond this call, so tests and main.ts can start several.
 *
 * Size limits: frames above maxFrameBytes get FRAME_TOO_LARGE and the connection stays up; uWS's
 * maxPayloadLength is 4 × maxFrameBytes, and a frame above that is closed by uWS itself (code 1006,
 * "Received too big message") before we see it.
 */
import type { KeyObject } from 'node:crypto';
import uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import type { EngineApi } from '../engine/runtime/engine-api.js';
import { type Principal, TokenVerifier, bearerToken } from './auth.js';
import { Codec } from './codec.js';
import { CLOSE_CODES, errors } from './errors.js';
import { healthBody, type GatewayStats } from './health.js';
import { type HttpResult, Reply, fail, isJson, readBody, readRequest } from './http-util.js';
import { ROUTES, type RouteSpec } from './rest-routes.js';
import { ADMIN_ROUTES, type AdminOps } from './admin-routes.js';
import { MARKET_ROUTES } from './market-routes.js';
import { Subscriptions } from './subscriptions.js';
import { type LogFn, type WsContext, handleFrame } from './ws-handlers.js';
import { Session, type UserData } from './ws-session.js';

/** True when the native uWS binary loaded; the package silently falls back to a `ws` shim otherwise. */
export const isNativeUws: boolean = /\[native code\]/.test(Function.prototype.toString.call(uWS.App));

export interface GatewayOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly jwt: { readonly secret: Uint8Array | KeyObject; readonly issuer: string; readonly audience: string };
  /** Largest websocket frame answered normally (default 64 KiB). */
  readonly maxFrameBytes?: number;
  /** Largest REST body (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Send backlog above which risk and ticks are conflated (default 256 KiB). */
  readonly slowConsumerBytes?: number;
  /** Send backlog above which a connection is closed with 4008 (default 16 MiB). */
  readonly maxBufferedBytes?: number;
  /** A connection opened without a token must authenticate within this (default 10 s), else 4002. */
  readonly authTimeoutMs?: number;
  /** Seconds without traffic before uWS closes a connection (default 120; pings are automatic). */
  readonly idleTimeoutSeconds?: number;
  /** Run on the pure-JS fallback instead of refusing to start (it lacks upgrade, drain, ...). */
  readonly allowFallback?: boolean;
  readonly log?: LogFn;
  /** What GET /health says of the database, queues and journal (absent: state is in memory only). */
  readonly persistenceHealth?: () => Record<string, unknown>;
  /** Operator actions for the admin routes (absent without persistence). */
  readonly admin?: AdminOps;
}

export interface Gateway {
  readonly port: number;
  readonly uws: 'native' | 'fallback';
  close(): Promise<void>;
}

const DEFAULTS = {
  maxFrameBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
  slowConsumerBytes: 256 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  idleTimeoutSeconds: 120,
  authTimeoutMs: 10_000,
};

const silent: LogFn = () => {};

export async function startGateway(engine: EngineApi, opts: GatewayOptions): Promise<Gateway> {
  const o = { ...DEFAULTS, ...stripUndefined(opts) };
  const log = opts.log ?? silent;
  const uwsKind = isNativeUws ? 'native' : 'fallback';
  if (!isNativeUws) {
    log('error', 'uWebSockets.js native binary not loaded: running the JS fallback', { node: process.version, abi: process.versions.modules });
    if (!opts.allowFallback) throw new Error(`uWebSockets.js native binary not loaded for Node ${process.version} (ABI ${process.versions.modules}); the JS fallback is refused`);
  } else {
    log('info', 'uWebSockets.js native binary loaded', { uws: uwsKind });
  }

  const codec = new Codec({ maxFrameBytes: o.maxFrameBytes });
  const verifier = new TokenVerifier(opts.jwt);
  const subs = new Subscriptions(codec, (orderId) => engine.getOrder(orderId)?.status === 'open');
  const stats: GatewayStats = { connections: 0, conflated: 0, slowConsumerCloses: 0, dropped: 0 };
  const sessions = new Set<Session>();
  const flow = { slowConsumerBytes: o.slowConsumerBytes, maxBufferedBytes: o.maxBufferedBytes };
  const onSlowClose = (s: Session, backlog: number) => log('warn', 'closing slow consumer', { sub: s.principal?.sub, backlog });
  const newSession = (p: Principal | null) => new Session(p, codec, flow, stats, onSlowClose);
  const ctx: WsContext = { engine, codec, subs, verifier, log };
  const unlisten = engine.onEvent(subs.onEngineEvent);

  const app: TemplatedApp = uWS.App();
  app.ws<UserData>('/ws', {
    compression: uWS.DISABLED,
    maxPayloadLength: o.maxFrameBytes * 4,
    // Above our own close threshold, so uWS never drops a message (send() never returns 2).
    maxBackpressure: o.maxBufferedBytes * 2,
    closeOnBackpressureLimit: 0,
    idleTimeout: o.idleTimeoutSeconds,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => upgrade(res, req, context, verifier, newSession, log),
    open: (ws) => {
      const s = ws.getUserData().session;
      s.socket = ws;
      sessions.add(s);
      stats.connections += 1;
      // Automatic pings keep an idle connection alive, so an unauthenticated one needs its own deadline.
      if (s.principal === null) s.authTimer = setTimeout(closeIfUnauthenticated, o.authTimeoutMs, s);
    },
    message: (ws, ab, isBinary) => {
      const s = ws.getUserData().session;
      try {
        handleFrame(ctx, s, ab, isBinary);
      } catch (e) {
        log('error', 'websocket handler threw', { error: e instanceof Error ? e.stack : String(e) });
        s.sendReliable({ type: 'error', code: 'INTERNAL', message: 'internal error' });
      }
    },
    drain: (ws) => ws.getUserData().session.onDrain(),
    close: (ws: WebSocket<UserData>) => {
      const s = ws.getUserData().session;
      s.markClosed();
      subs.drop(s);
      if (sessions.delete(s)) stats.connections -= 1;
    },
  });

  app.get('/health', (res) => {
    new Reply(res).send({ status: 200, body: healthBody(engine, uwsKind, stats, opts.persistenceHealth?.()) });
  });
  for (const route of [...ROUTES, ...ADMIN_ROUTES, ...MARKET_ROUTES]) app[route.method](route.pattern, (res, req) => serveRest(route, res, req));
  app.any('/*', (res, req) => {
    const url = req.getUrl();
    new Reply(res).send(fail(404, errors.notFound(`route ${req.getCaseSensitiveMethod()} ${url}`)));
  });

  function serveRest(route: RouteSpec, res: HttpResponse, req: HttpRequest): void {
    const reply = new Reply(res);
    const info = readRequest(req, route.paramCount);
    const token = bearerToken(info.authorization);
    // Answering before the body is read: close the connection so the unread body is not parsed as a request.
    if (token === undefined) return reply.send(fail(401, errors.unauthenticated('expected Authorization: Bearer <token>')), route.hasBody);
    if (!route.hasBody) return void finish(reply, route, info, token, undefined);
    if (!isJson(info.contentType)) return reply.send(fail(415, errors.unsupportedMediaType(info.contentType)), true);
    if (info.contentLength !== undefined && info.contentLength > o.maxBodyBytes) return reply.send(fail(413, errors.payloadTooLarge(o.maxBodyBytes)), true);
    readBody(reply, o.maxBodyBytes, (body) => void finish(reply, route, info, token, body));
  }

  async function finish(reply: Reply, route: RouteSpec, info: ReturnType<typeof readRequest>, token: string, body: Buffer | undefined): Promise<void> {
    let result: HttpResult;
    try {
      const v = await verifier.verify(token, Date.now(), true);
      if (!v.ok) result = fail(401, errors.unauthenticated(v.reason));
      else {
        let json: unknown;
        let bad = false;
        if (body !== undefined) {
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            bad = true;
          }
        }
        result = bad ? fail(400, errors.badJson()) : await route.handle({ engine, principal: v.principal, req: info, body: json, ...(opts.admin ? { admin: opts.admin } : {}) });
      }
    } catch (e) {
      log('error', 'REST handler threw', { route: route.pattern, error: e instanceof Error ? e.stack : String(e) });
      result = fail(500, errors.internal('internal error'));
    }
    reply.send(result);
  }

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(opts.host, opts.port, (ls) => (ls ? resolve(ls) : reject(new Error(`gateway could not listen on ${opts.host}:${opts.port}`))));
  });
  const port = uWS.us_socket_local_port(listenSocket);
  log('info', 'gateway listening', { host: opts.host, port, uws: uwsKind });

  let closed = false;
  return {
    port,
    uws: uwsKind,
    close: async () => {
      if (closed) return;
      closed = true;
      unlisten();
      uWS.us_listen_socket_close(listenSocket);
      for (const s of [...sessions]) s.end(CLOSE_CODES.SHUTDOWN, 'server shutting down');
      // Native uWS has app.close() (closes every socket); the typings lag behind.
      (app as unknown as { close?: () => void }).close?.();
    },
  };
}

/**
 * A token in `?token=` or `Authorization: Bearer` is verified here, once; a bad one gets HTTP 401
 * and no websocket. Without one the connection opens unauthenticated and must send `auth`.
 */
function upgrade(
  res: HttpResponse,
  req: HttpRequest,
  context: uWS.us_socket_context_t,
  verifier: TokenVerifier,
  newSession: (p: Principal | null) => Session,
  log: LogFn,
): void {
  // req is valid only synchronously: copy what we need before any await.
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const token = req.getQuery('token') || bearerToken(req.getHeader('authorization'));
  if (!token) {
    res.upgrade<UserData>({ session: newSession(null) }, key, protocol, extensions, context);
    return;
  }
  const state = { aborted: false };
  res.onAborted(() => {
    state.aborted = true;
  });
  verifier.verify(token, Date.now(), false).then(
    (r) => {
      if (state.aborted) return;
      res.cork(() => {
        if (r.ok) res.upgrade<UserData>({ session: newSession(r.principal) }, key, protocol, extensions, context);
        else res.writeStatus('401 Unauthorized').writeHeader('content-type', 'application/json').end(JSON.stringify({ code: 'UNAUTHENTICATED', message: r.reason }));
      });
    },
    (e: unknown) => {
      log('error', 'token verification threw', { error: String(e) });
      if (!state.aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end());
    },
  );
}

function closeIfUnauthenticated(s: Session): void {
  if (s.principal === null && !s.closed) s.end(CLOSE_CODES.AUTH_TIMEOUT, 'no auth within the deadline');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
