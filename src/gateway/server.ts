/**
 * startGateway: one uWS app serving the websocket (/ws) and the REST admin routes. It composes the
 * single-purpose modules (codec, auth, authorize, ws-session, subscriptions, rest-routes, health,
 * http-policy, connection-limits) and holds no state beyond this call, so tests and main.ts can
 * start several.
 *
 * Every uWS callback runs inside a guard (guard.ts): an exception is logged with its stack and
 * becomes a 500 / an `error` frame for that caller; the process and the other callers go on.
 *
 * Size limits: frames above maxFrameBytes get FRAME_TOO_LARGE and the connection stays up; uWS's
 * maxPayloadLength is 4 × maxFrameBytes, and a frame above that is closed by uWS itself (code 1006,
 * "Received too big message") before we see it.
 */
import { asyncApiDocument } from './asyncapi.js';
import uWS from 'uWebSockets.js';
import * as z from 'zod';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import type { EngineApi } from '../engine/runtime/engine-api.js';
import { credentialOf, notRevoked } from './auth.js';
import type { Result } from '../engine/result.js';
import type { ApiKeyVerifier, Principal, SessionRevocations, SessionsEnded } from './identity/ports.js';
import { type TokenSettings, Tokens } from './tokens.js';
import { Codec } from './codec.js';
import { ConnectionLimits, type ConnectionCaps } from './connection-limits.js';
import type { CounterpartyScreening } from './counterparty-screening.js';
import { GATEWAY_DEFAULTS } from './gateway-defaults.js';
import { CLOSE_CODES, errors } from './errors.js';
import { Guard, stackOf } from './guard.js';
import { healthBody, type GatewayStats, type Readiness } from './health.js';
import { HttpPolicy, STRICT_TRANSPORT_SECURITY } from './http-policy.js';
import type { DashboardSite } from './dashboard-site.js';
import { staticFileAnswer } from './static-file.js';
import { type HttpResult, type RequestInfo, Reply, fail, isJson, readBody, readRequest } from './http-util.js';
import { type RestCaller, type RestRateLimits, restAdmission } from './rate-limit.js';
import { nextRequestId } from './request-id.js';
import { ROUTES } from './rest-routes.js';
import { type AdminOps, type PublicRouteSpec, type RouteSpec, denied } from './route-spec.js';
import { ADMIN_ROUTES } from './admin-routes.js';
import { MARKET_ROUTES } from './market-routes.js';
import { stripUndefined } from '../strip-undefined.js';
import { packageVersion } from '../cli/package-version.js';
import { apiDocsAnswer, apiDocsFiles } from './api-docs-page.js';
import { type DocumentedRoute, openApiDocument } from './openapi.js';
import { ErrorBody, type RouteDoc } from './route-doc.js';
import { Subscriptions } from './subscriptions.js';
import type { AlertFeed } from './alert-feed.js';
import { type LogFn, type MessageAdmission, type WsContext, handleFrame } from './ws-handlers.js';
import { Session, type SessionTimers, type UserData } from './ws-session.js';
import type { RestSpan, RestTracer } from './rest-tracing.js';
import { serveMetrics } from './metrics-route.js';
import type { Registry } from 'prom-client';
import type { RealtimeMetrics } from '../metrics/realtime-metrics.js';
import type { ClusterRouter } from './cluster/cluster-router.js';

/** The gateway could not take its address: the operator's to fix, not a crash report. */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

/** True when the native uWS binary loaded; the package silently falls back to a `ws` shim otherwise. */
export const isNativeUws: boolean = /\[native code\]/.test(Function.prototype.toString.call(uWS.App));
/** Which uWebSockets.js build packages/uws picked for this Node (package, Node version, ABI); logged and in /health. */
export const uwsBuild: string = (uWS as { readonly build?: string }).build ?? 'unknown';

export interface GatewayOptions {
  /** Default loopback: exposing the engine is a deliberate choice (0.0.0.0). */
  readonly host?: string;
  /** 0 = any free port (default 8080). */
  readonly port?: number;
  /** The signing-key ring with issuer and audience (config.jwt), or a Tokens built on them to share its cache. */
  readonly jwt: TokenSettings | Tokens;
  /** Checks `Authorization: ApiKey <key>` and websocket `auth {apiKey}`; absent: API keys are refused (401). */
  readonly apiKeys?: ApiKeyVerifier;
  /**
   * Login sessions revoked (logout, refresh-token reuse, an admin): a token of a revoked session is
   * refused on every REST call and websocket `auth`, and open websockets of it are closed (4005);
   * so are the websockets of a revoked API key (announced with the key id as user and session), and
   * those of an API key whose owner's rights were lowered (a close notice: the key stays valid).
   * Absent: a token is good until its exp.
   */
  readonly revocations?: SessionRevocations;
  /** Routes served without a token (register, login, refresh, MFA login), with the same body limits as the others. */
  readonly publicRoutes?: readonly PublicRouteSpec[];
  /** More routes behind a token or API key (accounts, user administration), served like the built-in ones. */
  readonly routes?: readonly RouteSpec[];
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
  /** A connection is closed with 4004 this long after it opened, whatever its tokens (default 24 h; 0 = never). */
  readonly maxSessionAgeMs?: number;
  /** Seconds without traffic before uWS closes a connection (default 120; pings are automatic). */
  readonly idleTimeoutSeconds?: number;
  /** Connection caps (defaults: CONNECTION_CAPS_DEFAULTS in connection-limits.ts). */
  readonly connections?: Partial<ConnectionCaps>;
  /** Subscriptions one connection may hold (default 1024). */
  readonly maxSubscriptions?: number;
  /** Accept `?token=` on the websocket upgrade (default false: query strings end up in logs). */
  readonly allowQueryToken?: boolean;
  /** Browser origins allowed to call REST (CORS) and open the websocket (default none). */
  readonly corsOrigins?: readonly string[];
  /** Headers added to every HTTP answer (Strict-Transport-Security when TLS is on). */
  readonly extraHeaders?: readonly (readonly [string, string])[];
  /** Run on the pure-JS fallback instead of refusing to start (it lacks upgrade, drain, ...). */
  readonly allowFallback?: boolean;
  readonly log?: LogFn;
  /** What GET /health says of the database, queues and journal (absent: state is in memory only). */
  readonly persistenceHealth?: () => Record<string, unknown>;
  /** Whether orders can be accepted now, for GET /readyz (absent: always ready). */
  readonly readiness?: () => Readiness;
  /** Operator actions for the admin routes (absent without persistence). */
  readonly admin?: AdminOps;
  /** New AML alerts for the websocket channel `alerts` (compliance officers); absent: the channel is quiet. */
  readonly alerts?: AlertFeed;
  /** Per-connection / per-user message admission (rate limits); absent: every message is admitted. */
  readonly admission?: MessageAdmission;
  /** Screens the counterparty an order names (counterparty-screening.ts); absent: an order naming one is refused (SCREENING_UNAVAILABLE). */
  readonly counterparties?: CounterpartyScreening;
  /** REST rate limits (rate-limit.ts), checked before every handler; absent: none. */
  readonly rateLimits?: RestRateLimits;
  /** Terminate TLS on this port (HTTPS and wss://) with these PEM files; absent: plaintext. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly passphrase?: string };
  /** Strict-Transport-Security on every answer (default: when `tls` is set; a TLS-terminating proxy in front sets it too). */
  readonly hsts?: boolean;
  /** A server span per REST request (tracing on, rest-tracing.ts); absent: no tracing work at all. Websocket frames are never traced. */
  readonly tracer?: RestTracer;
  /**
   * The dashboard's built files (dashboard-site.ts), served at GET /dashboard and /dashboard/assets/:name;
   * its page may open the websocket from this engine's own origin. Absent: no dashboard routes.
   */
  readonly dashboard?: DashboardSite;
  /**
   * GET /metrics from this registry (METRICS_TOKEN or a principal allowed `metrics`), and the
   * real-time path measured into `realtime`; absent (METRICS_ENABLED=false): no /metrics, nothing measured.
   */
  readonly metrics?: { readonly registry: Registry; readonly token?: string; readonly realtime: RealtimeMetrics };
  /**
   * Scale-out (gateway/cluster/): messages, subscriptions and REST naming a portfolio another engine
   * owns are routed there, ticks passed on to every engine, and the internal link served on this
   * app. Absent: this engine owns every portfolio.
   */
  readonly cluster?: ClusterRouter;
}

/** A method and pattern the gateway answers (besides OPTIONS and the 405/404 catch-alls). */
export interface RegisteredRoute {
  readonly method: 'get' | 'post' | 'del';
  readonly pattern: string;
}

export interface Gateway {
  readonly port: number;
  /** Every route registered, in order: what GET /openapi.json documents (a test holds the two equal). */
  readonly routes: readonly RegisteredRoute[];
  /** The routes with what the document says of each (their zod schemas and examples). */
  readonly documented: readonly DocumentedRoute[];
  readonly uws: 'native' | 'fallback';
  readonly tls: boolean;
  /** Connections, conflated and dropped frames, slow consumers closed (read at scrape). */
  readonly stats: Readonly<GatewayStats>;
  close(): Promise<void>;
}

const silent: LogFn = () => {};

/** Routes that need no token (probes, the API document and its page), served before the REST table. */
type LocalRoute = { readonly method: 'get'; readonly pattern: string; readonly doc?: RouteDoc; readonly handle: (reply: Reply, req: HttpRequest) => void };

/** GET /dashboard (and with a trailing slash) and its assets, from the allow-list read at start. */
function dashboardRoutes(site: DashboardSite | undefined): LocalRoute[] {
  if (site === undefined) return [];
  const page = (reply: Reply, req: HttpRequest) => {
    if (site.index === undefined) return reply.send(fail(503, errors.unavailable('the dashboard is not built: run `npm run build`')));
    reply.send(staticFileAnswer(site.index, { csp: site.pageCsp(req.getHeader('host')) }));
  };
  return [
    { method: 'get', pattern: '/dashboard', doc: DASHBOARD_DOC, handle: page },
    { method: 'get', pattern: '/dashboard/', doc: DASHBOARD_DOC, handle: page },
    {
      method: 'get', pattern: '/dashboard/assets/:name', doc: DASHBOARD_ASSET_DOC, handle: (reply, req) => {
        const file = site.asset(req.getParameter(0) ?? '');
        reply.send(file === undefined ? fail(404, errors.notFound('dashboard asset')) : staticFileAnswer(file));
      },
    },
  ];
}

export async function startGateway(engine: EngineApi, opts: GatewayOptions): Promise<Gateway> {
  const o = { ...GATEWAY_DEFAULTS, ...stripUndefined(opts) };
  const log = opts.log ?? silent;
  const uwsKind = isNativeUws ? 'native' : 'fallback';
  if (!isNativeUws) {
    log('error', 'uWebSockets.js native binary not loaded: running the JS fallback', { node: process.version, abi: process.versions.modules });
    if (!opts.allowFallback) throw new Error(`uWebSockets.js native binary not loaded for Node ${process.version} (ABI ${process.versions.modules}); the JS fallback is refused`);
  } else {
    log('info', 'uWebSockets.js native binary loaded', { uws: uwsKind, build: uwsBuild });
  }

  const hsts = opts.hsts ?? opts.tls !== undefined;
  const policy = new HttpPolicy({
    corsOrigins: o.corsOrigins,
    extraHeaders: [...(hsts ? [STRICT_TRANSPORT_SECURITY] : []), ...(o.extraHeaders ?? [])],
    allowSameOrigin: opts.dashboard !== undefined,
  });
  const guard = new Guard(policy, log);
  const codec = new Codec({ maxFrameBytes: o.maxFrameBytes });
  const tokens = opts.jwt instanceof Tokens ? opts.jwt : new Tokens(opts.jwt);
  const limits = new ConnectionLimits(o.connections ?? {});
  const realtime = opts.metrics?.realtime;
  const subs = new Subscriptions(
    codec, (orderId) => engine.getOrder(orderId)?.status === 'open', realtime ? (tickTs) => realtime.riskSent(tickTs) : undefined,
    (portfolioId, delta) => engine.watchRisk(portfolioId, delta),
  );
  const stats: GatewayStats = { connections: 0, conflated: 0, slowConsumerCloses: 0, dropped: 0 };
  const sessions = new Set<Session>();
  const flow = { slowConsumerBytes: o.slowConsumerBytes, maxBufferedBytes: o.maxBufferedBytes };
  const onSlowClose = (s: Session, backlog: number) => log('warn', 'closing slow consumer', { sub: s.principal?.sub, backlog });
  const timers: SessionTimers = {
    // Timers the gateway sets run in the guard too: a throw there must not end the process.
    onAuthDeadline: guard.timer('auth deadline', (s: Session) => {
      if (s.principal === null && !s.closed) s.end(CLOSE_CODES.AUTH_TIMEOUT, 'no auth within the deadline');
    }),
    onTokenExpiry: guard.timer('token expiry', (s: Session) => s.expireIfDue(Date.now())),
    onMaxAge: guard.timer('session max age', (s: Session) => {
      if (!s.closed) s.end(CLOSE_CODES.SESSION_MAX_AGE, 'maximum session age reached; reconnect');
    }),
    onFault: (s, where, e) => log('error', 'websocket send threw', { where, sub: s.principal?.sub, requestId: nextRequestId(), error: stackOf(e) }),
  };
  const newSession = (p: Principal | null, ip: string) => new Session(p, codec, flow, stats, onSlowClose, timers, ip);
  const ctx: WsContext = {
    engine, codec, subs, tokens, log, maxSubscriptions: o.maxSubscriptions, limits,
    ...(opts.admission ? { admission: opts.admission } : {}),
    ...(opts.counterparties ? { counterparties: opts.counterparties } : {}),
    ...(opts.apiKeys ? { apiKeys: opts.apiKeys } : {}),
    ...(opts.revocations ? { revocations: opts.revocations } : {}),
    ...(realtime ? { metrics: realtime } : {}),
    ...(opts.cluster ? { cluster: opts.cluster } : {}),
  };
  // Before subscribing to the engine: a certificate uWS refuses must leave nothing behind.
  const app: TemplatedApp = opts.tls ? sslApp(opts.tls, isNativeUws) : uWS.App();
  const unlisten = engine.onEvent(subs.onEngineEvent);
  opts.cluster?.bind({ ws: ctx, app });
  // A revoked session's (or API key's) open websockets close at once (the revocation may come from
  // another engine process); so do those told to authenticate again (a close notice, e.reason set).
  const unrevoked = opts.revocations?.onRevoked(guard.timer('session revoked', (e: SessionsEnded) => {
    const ended = new Set(e.sessionIds);
    for (const s of sessions) {
      const sid = s.principal?.sessionId;
      if (!s.closed && sid !== undefined && s.principal?.sub === e.userId && ended.has(sid)) {
        // An API key's principal has its key id as sub and session.
        const why = endedWhy(s.principal.via === 'apiKey', e);
        s.sendReliable({ type: 'error', code: 'UNAUTHENTICATED', message: why.message });
        s.end(CLOSE_CODES.SESSION_REVOKED, why.closeReason);
      }
    }
  })) ?? (() => {});
  const unalerted = opts.alerts?.onAlert(guard.timer('aml alert', subs.publishAlert)) ?? (() => {});

  app.ws<UserData>('/ws', {
    compression: uWS.DISABLED,
    maxPayloadLength: o.maxFrameBytes * 4,
    // Above our own close threshold, so uWS never drops a message (send() never returns 2).
    maxBackpressure: o.maxBufferedBytes * 2,
    closeOnBackpressureLimit: 0,
    idleTimeout: o.idleTimeoutSeconds,
    sendPingsAutomatically: true,
    upgrade: guard.http('websocket upgrade', (reply, req, res, context) => upgrade(reply, req, res, context!)),
    open: guard.ws('websocket open', (ws) => {
      const s = ws.getUserData().session;
      s.socket = ws;
      sessions.add(s);
      stats.connections += 1;
      s.started(Date.now(), o.authTimeoutMs, o.maxSessionAgeMs);
    }),
    message: guard.ws('websocket message', (ws, ab, isBinary) => handleFrame(ctx, ws.getUserData().session, ab, isBinary)),
    drain: guard.ws('websocket drain', (ws) => ws.getUserData().session.onDrain()),
    close: guard.ws('websocket close', (ws: WebSocket<UserData>) => {
      const s = ws.getUserData().session;
      s.markClosed();
      // Before subs.drop: the router reads the session's subscriptions to give up its upstream watches.
      opts.cluster?.sessionClosed(s);
      subs.drop(s);
      // A session without a principal never authenticated: it still counts as waiting for auth.
      limits.release(s.ip, s.principal === null);
      if (sessions.delete(s)) stats.connections -= 1;
    }),
  });

  // Operators' detail: served like every REST route (token verified, then the role), admins only.
  const healthRoute: RouteSpec = {
    method: 'get', pattern: '/health', paramCount: 0, hasBody: false,
    doc: {
      summary: 'The figures an operator looks at first (admins)', tags: ['operations'],
      responses: { 200: { description: '{status, ready, uws, database, queues?, queueWorkers?, writerLock?, journal?, portfolios, ticks, recalculations, coalesced, mailboxRejections, tickGuard, pool, gateway}' } },
      errors: { 403: ['FORBIDDEN'] },
    },
    handle: (c) => {
      return denied(c.principal, 'operate') ?? { status: 200, body: healthBody(engine, uwsKind, uwsBuild, stats, opts.persistenceHealth?.(), opts.readiness?.()) };
    },
  };

  const asyncApi = asyncApiDocument();
  const local: LocalRoute[] = [
    // Liveness: the process answers. No detail, no token: a load balancer's probe.
    {
      method: 'get', pattern: '/livez', doc: LIVEZ_DOC,
      handle: (reply) => reply.send({ status: 200, body: { status: 'live' } }),
    },
    {
      method: 'get', pattern: '/readyz', doc: READYZ_DOC, handle: (reply) => {
        const r = opts.readiness?.() ?? { ready: true, components: {} };
        // Component names and states only: the reasons (database messages) are for /health.
        reply.send(r.ready ? { status: 200, body: { status: 'ready', components: r.components } } : { status: 503, body: { ...errors.notReady(notReadyList(r)), components: r.components } });
      },
    },
    // The public keys that verify the engine's tokens (RFC 7517), for anyone who checks them.
    { method: 'get', pattern: '/.well-known/jwks.json', doc: JWKS_DOC, handle: (reply) => reply.send({ status: 200, body: tokens.jwks() }) },
    // The API document and its browsable page: public, as the routes they describe are no secret.
    { method: 'get', pattern: '/openapi.json', doc: OPENAPI_DOC, handle: (reply) => reply.send({ status: 200, raw: { contentType: 'application/json', bytes: openApiJson } }) },
    ...apiDocsFiles().map((f): LocalRoute => ({
      method: 'get', pattern: f.pattern,
      doc: { summary: f.summary, tags: ['documentation'], responses: { 200: { description: f.summary, contentType: f.contentType }, 304: { description: 'Not modified (If-None-Match)' } } },
      handle: (reply, req) => reply.send(apiDocsAnswer(f, req.getHeader('if-none-match'))),
    })),
    ...dashboardRoutes(opts.dashboard),
    // The websocket protocol, machine-readable (AsyncAPI 3; asyncapi.ts): public, like the protocol's prose.
    { method: 'get', pattern: '/asyncapi.json', doc: ASYNCAPI_DOC, handle: (reply) => reply.send({ status: 200, body: asyncApi }) },
  ];
  const metrics = opts.metrics;
  if (metrics) {
    // Prometheus: METRICS_TOKEN or a principal allowed `metrics` (metrics-route.ts).
    local.push({
      method: 'get', pattern: '/metrics', doc: METRICS_DOC, handle: (reply, req) => {
        const o = { registry: metrics.registry, signedIn, ...(metrics.token !== undefined ? { token: metrics.token } : {}) };
        serveMetrics(o, reply, req.getHeader('authorization')).catch((e: unknown) => guard.internal('/metrics', reply, e));
      },
    });
  }
  const restRoutes = [healthRoute, ...ROUTES, ...ADMIN_ROUTES, ...MARKET_ROUTES, ...(opts.routes ?? [])];
  const publicRoutes = opts.publicRoutes ?? [];
  const documented: DocumentedRoute[] = [
    ...local.map((r): DocumentedRoute => ({ method: r.method, pattern: r.pattern, access: 'local', hasBody: false, ...(r.doc ? { doc: r.doc } : {}) })),
    ...restRoutes.map((r): DocumentedRoute => ({ method: r.method, pattern: r.pattern, access: 'signedIn', hasBody: r.hasBody, ...(r.doc ? { doc: r.doc } : {}) })),
    ...publicRoutes.map((r): DocumentedRoute => ({ method: r.method, pattern: r.pattern, access: 'public', hasBody: r.hasBody, ...(r.doc ? { doc: r.doc } : {}) })),
    { method: 'get', pattern: '/ws', access: 'local', hasBody: false, doc: WS_DOC },
  ];
  // Built once: the table does not change while the gateway runs.
  const openApiJson = Buffer.from(JSON.stringify(openApiDocument(documented, { title: 'Risk engine API', version: packageVersion(), rateLimited: opts.rateLimits !== undefined })));

  // One table of patterns → methods, so a known path with the wrong method is 405 with Allow.
  const methodsOf = new Map<string, string[]>();
  // What was registered, as it is registered: the test compares it with the document.
  const registered: RegisteredRoute[] = [];
  const addMethod = (pattern: string, method: RegisteredRoute['method']) => {
    registered.push({ method, pattern });
    const m = methodsOf.get(pattern) ?? [];
    m.push(method === 'del' ? 'DELETE' : method.toUpperCase());
    methodsOf.set(pattern, m);
  };
  for (const r of local) {
    addMethod(r.pattern, r.method);
    app.get(r.pattern, guard.http(`GET ${r.pattern}`, (reply, req) => r.handle(reply, req)));
  }
  for (const route of restRoutes) {
    addMethod(route.pattern, route.method);
    app[route.method](route.pattern, guard.http(`${route.method.toUpperCase()} ${route.pattern}`, (reply, req, res) => serveRest(route, reply, req, res)));
  }
  for (const route of publicRoutes) {
    addMethod(route.pattern, route.method);
    app[route.method](route.pattern, guard.http(`${route.method.toUpperCase()} ${route.pattern}`, (reply, req, res) => servePublic(route, reply, req, res)));
  }
  // /ws is a route too: uWS passes a GET without the upgrade headers on to the next GET handler, and
  // every other method to the 405 below.
  addMethod('/ws', 'get');
  app.get('/ws', guard.http('GET /ws', (reply) => reply.send({ ...fail(426, errors.upgradeRequired()), headers: [['upgrade', 'websocket']] })));
  for (const [pattern, methods] of methodsOf) {
    const allow = [...methods.sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)), 'OPTIONS'].join(', ');
    // CORS preflight (and a plain OPTIONS): the methods, and the CORS headers when the origin is allowed.
    app.options(pattern, guard.http(`OPTIONS ${pattern}`, (reply, req) => {
      const origin = req.getHeader('origin');
      reply.send({ status: 204, headers: [['allow', allow], ...policy.preflightHeaders(origin, allow)] });
    }));
    const notAllowed = guard.http(`* ${pattern}`, (reply, req) => {
      reply.send({ ...fail(405, errors.methodNotAllowed(req.getCaseSensitiveMethod(), allow)), headers: [['allow', allow]] });
    });
    // The 405 is registered for each standard method the path lacks, not only as `any`: uWS 20.57
    // (Node 22/24) prefers any route of the request's method over an `any` route, whatever their
    // paths, so `any` alone let GET /kyc/documents reach GET /kyc/:userId (20.30 weighed the path
    // first). Among routes of one method a static segment still beats a parameter, on both builds.
    for (const m of NOT_ALLOWED_METHODS) if (!methods.includes(m === 'del' ? 'DELETE' : m.toUpperCase())) app[m](pattern, notAllowed);
    // Other methods (CONNECT, TRACE, unknown ones uWS passes on) land here.
    app.any(pattern, notAllowed);
  }
  app.any('/*', guard.http('unknown route', (reply, req) => {
    reply.send(fail(404, errors.notFound(`route ${req.getCaseSensitiveMethod()} ${req.getUrl()}`)));
  }));

  /**
   * The principal of an Authorization header: at once (a token verified before), later (jose, or the
   * API-key store), or the 401 saying why not.
   */
  function authenticate(authorization: string): { principal: Principal } | { pending: Promise<Result<Principal, string>> } | { refused: HttpResult } {
    const credential = credentialOf(authorization);
    if (credential === undefined) return { refused: fail(401, errors.unauthenticated('expected Authorization: Bearer <token> or Authorization: ApiKey <key>')) };
    if (credential.kind === 'apiKey') {
      if (opts.apiKeys === undefined) return { refused: fail(401, errors.unauthenticated('API_KEYS_DISABLED: API keys are not enabled on this engine')) };
      return { pending: opts.apiKeys.verify(credential.key, Date.now()) };
    }
    const cached = tokens.peek(credential.token, Date.now());
    if (cached === undefined) return { pending: tokens.verifyAccess(credential.token, Date.now()).then((r) => notRevoked(opts.revocations, r)) };
    const r = notRevoked(opts.revocations, { ok: true, value: cached });
    return r.ok ? { principal: r.value } : { refused: fail(401, errors.unauthenticated(`${r.code}: ${r.message}`)) };
  }

  /** The principal of an Authorization header, checked as for a signed-in route, or the 401 to answer. */
  async function signedIn(authorization: string): Promise<Principal | HttpResult> {
    const auth = authenticate(authorization);
    if ('refused' in auth) return auth.refused;
    if ('principal' in auth) return auth.principal;
    const v = await auth.pending;
    return v.ok ? v.value : fail(401, errors.unauthenticated(`${v.code}: ${v.message}`));
  }

  /** 415 or 413 from the headers, before any of the body is read. */
  function bodyRefusal(info: RequestInfo, maxBodyBytes: number): HttpResult | undefined {
    if (!isJson(info.contentType)) return fail(415, errors.unsupportedMediaType(info.contentType));
    if (info.contentLength !== undefined && !(info.contentLength <= maxBodyBytes)) return fail(413, errors.payloadTooLarge(maxBodyBytes));
    return undefined;
  }

  /**
   * The credential is verified before the body is read: a cached token at once; otherwise the socket
   * is paused (uWS stops reading it) until it is verified, and a refused caller's body is never read.
   */
  function serveRest(route: RouteSpec, reply: Reply, req: HttpRequest, res: HttpResponse): void {
    const span = traceRest(route.pattern, reply, req);
    const info = readRequest(req, route.paramCount, reply.requestId);
    if ('code' in info) return reply.send(fail(400, info), route.hasBody);
    const auth = authenticate(info.authorization);
    // Answering before the body is read: close the connection so the unread body is not parsed as a request.
    if ('refused' in auth) return reply.send(auth.refused, route.hasBody);
    // A route's own limit (an upload's) applies to it alone; every other route keeps the gateway's.
    const maxBodyBytes = route.maxBodyBytes ?? o.maxBodyBytes;
    if (route.hasBody) {
      const refused = bodyRefusal(info, maxBodyBytes);
      if (refused !== undefined) return reply.send(refused, true);
    }
    // uWS hands over body bytes only to an onData attached now, so the body is collected (bounded)
    // at once, but not parsed or acted on before the credential is verified.
    let principal = 'principal' in auth ? auth.principal : undefined;
    let body: Buffer | undefined;
    const go = (): void => {
      if (principal === undefined || reply.aborted || reply.done) return;
      if (!route.hasBody) return void finishRest(reply, route, info, principal, undefined, span);
      if (body !== undefined) void finishRest(reply, route, info, principal, body, span);
    };
    if (route.hasBody) {
      readBody(reply, maxBodyBytes, guard.callback(route.pattern, reply, (b: Buffer) => {
        body = b;
        go();
      }));
    }
    if (!('pending' in auth)) return go();
    // Not verified yet: stop reading the socket until it is; a refused caller's body is never read further.
    if (route.hasBody) res.pause();
    auth.pending.then(
      (v) => {
        if (!v.ok) return reply.send(fail(401, errors.unauthenticated(`${v.code}: ${v.message}`)), route.hasBody);
        principal = v.value;
        if (route.hasBody && !reply.aborted && !reply.done) res.resume();
        go();
      },
      (e: unknown) => guard.internal(route.pattern, reply, e, route.hasBody),
    );
  }

  function finishRest(reply: Reply, route: RouteSpec, info: RequestInfo, principal: Principal, body: Buffer | undefined, span: RestSpan | undefined): Promise<void> {
    const caller: RestCaller = { kind: 'user', sub: principal.sub, method: route.method, pattern: route.pattern };
    const local = (json: unknown) => route.handle({ engine, principal, req: info, body: json, ...(opts.admin ? { admin: opts.admin } : {}) });
    const cluster = opts.cluster;
    // Scale-out: a route naming a portfolio owned by another engine gets that engine's answer.
    const handle = cluster === undefined ? local : async (json: unknown) => (await cluster.rest(route.method, route.pattern, info, json, body)) ?? local(json);
    return answer(reply, route.pattern, body, caller, handle, span);
  }

  /** A route open to anyone: no credential, the same header and body checks as the others. */
  function servePublic(route: PublicRouteSpec, reply: Reply, req: HttpRequest, res: HttpResponse): void {
    const span = traceRest(route.pattern, reply, req);
    const info = readRequest(req, route.paramCount, reply.requestId);
    if ('code' in info) return reply.send(fail(400, info), route.hasBody);
    const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
    const handle = (json: unknown) => route.handle({ req: info, ip, body: json, signedIn: () => signedIn(info.authorization) });
    // Routes open to anyone (login, register) are limited per client address.
    const caller: RestCaller = { kind: 'address', ip, pattern: route.pattern };
    if (!route.hasBody) return void answer(reply, route.pattern, undefined, caller, handle, span);
    const refused = bodyRefusal(info, o.maxBodyBytes);
    if (refused !== undefined) return reply.send(refused, true);
    readBody(reply, o.maxBodyBytes, guard.callback(route.pattern, reply, (b: Buffer) => void answer(reply, route.pattern, b, caller, handle, span)));
  }

  /** The request's server span when tracing is on, ended by the reply with the status it sends. */
  function traceRest(pattern: string, reply: Reply, req: HttpRequest): RestSpan | undefined {
    if (opts.tracer === undefined) return undefined;
    const span = opts.tracer.start({
      method: req.getMethod().toUpperCase(), route: pattern, path: req.getUrl(), requestId: reply.requestId,
      traceparent: req.getHeader('traceparent'), tracestate: req.getHeader('tracestate'),
    });
    reply.onFinished = (status) => span.end(status);
    return span;
  }

  /**
   * The caller's rate limit (a refusal never reaches the handler), then the body parsed (400
   * BAD_JSON when it is not JSON), the handler run and what it answers sent.
   */
  async function answer(reply: Reply, pattern: string, body: Buffer | undefined, caller: RestCaller, handle: (json: unknown) => HttpResult | Promise<HttpResult>, span?: RestSpan): Promise<void> {
    // The rate limit and the handler run inside the request's span: their queries are its children.
    if (span !== undefined) return span.run(() => answer(reply, pattern, body, caller, handle));
    let result: HttpResult;
    try {
      const limited = opts.rateLimits && (await restAdmission(opts.rateLimits, caller, Date.now()));
      if (limited) return reply.send(limited);
      let json: unknown;
      let bad = false;
      if (body !== undefined) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          bad = true;
        }
      }
      result = bad ? fail(400, errors.badJson()) : await handle(json);
    } catch (e) {
      return guard.internal(pattern, reply, e);
    }
    reply.send(result);
  }

  /**
   * A token in `Authorization: Bearer` (or `?token=` when allowed) is verified here, once; a bad one
   * gets HTTP 401 and no websocket. Without one the connection opens unauthenticated and must send
   * `auth`. Caps and the browser's Origin are checked first.
   */
  function upgrade(reply: Reply, req: HttpRequest, res: HttpResponse, context: uWS.us_socket_context_t): void {
    // req is valid only synchronously: copy what we need before any await.
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const origin = req.getHeader('origin');
    const host = req.getHeader('host');
    const queryToken = req.getQuery('token');
    const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (!policy.originAllowed(origin, host)) return reply.send(fail(403, errors.originNotAllowed(origin)));
    if (queryToken && !o.allowQueryToken) {
      return reply.send(fail(401, errors.unauthenticated('tokens in the query string are refused (they end up in logs): send auth {token} or Authorization: Bearer')));
    }
    const authorization = o.allowQueryToken && queryToken ? `Bearer ${queryToken}` : req.getHeader('authorization');
    const withCredential = authorization !== '';
    const refused = limits.admit(ip, !withCredential);
    if (refused !== null) return reply.send(fail(503, errors.tooManyConnections(refused)));
    const accept = (p: Principal | null) => {
      reply.done = true;
      res.upgrade<UserData>({ session: newSession(p, ip) }, key, protocol, extensions, context);
    };
    if (!withCredential) return accept(null);
    const auth = authenticate(authorization);
    if ('refused' in auth) {
      limits.release(ip, false);
      return reply.send(auth.refused);
    }
    const pending = 'pending' in auth ? auth.pending : Promise.resolve({ ok: true as const, value: auth.principal });
    pending.then(
      (r) => {
        if (reply.aborted) return limits.release(ip, false);
        if (r.ok) return res.cork(() => accept(r.value));
        limits.release(ip, false);
        reply.send(fail(401, errors.unauthenticated(`${r.code}: ${r.message}`)));
      },
      (e: unknown) => {
        limits.release(ip, false);
        guard.internal('websocket upgrade', reply, e);
      },
    );
  }

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(o.host, o.port, (ls) => (ls ? resolve(ls) : reject(new ListenError(`could not listen on ${o.host}:${o.port} (the port is taken, or the address is not this host's)`))));
  });
  const port = uWS.us_socket_local_port(listenSocket);
  log('info', 'gateway listening', { host: o.host, port, uws: uwsKind, tls: opts.tls !== undefined });

  let closed = false;
  return {
    port,
    routes: registered,
    documented,
    uws: uwsKind,
    tls: opts.tls !== undefined,
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      unlisten();
      unrevoked();
      unalerted();
      uWS.us_listen_socket_close(listenSocket);
      for (const s of [...sessions]) s.end(CLOSE_CODES.SHUTDOWN, 'server shutting down');
      // Native uWS has app.close() (closes every socket); the typings lag behind.
      (app as unknown as { close?: () => void }).close?.();
    },
  };
}

/** The order methods are listed in `Allow`. */
/** The error frame's message and the close reason of a connection whose session ended (4005). */
function endedWhy(apiKey: boolean, e: SessionsEnded): { readonly message: string; readonly closeReason: string } {
  if (e.reason === 'rights_changed') {
    return apiKey
      ? { message: "API_KEY_RIGHTS_CHANGED: the rights of this API key's owner changed; authenticate again", closeReason: 'api key rights changed' }
      : { message: 'RIGHTS_CHANGED: the rights of this account changed; authenticate again', closeReason: 'rights changed' };
  }
  return apiKey
    ? { message: 'API_KEY_REVOKED: the API key of this connection was revoked', closeReason: 'api key revoked' }
    : { message: 'SESSION_REVOKED: the session of this connection was signed out or revoked', closeReason: 'session revoked' };
}

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** uWS registrations that answer 405 on a known path lacking that method (OPTIONS has its own). */
const NOT_ALLOWED_METHODS = ['get', 'post', 'put', 'patch', 'del', 'head'] as const;

// What GET /openapi.json says of the routes served here rather than from a route table.
const LIVEZ_DOC: RouteDoc = {
  summary: 'Liveness: the process answers (no detail, no token)', tags: ['operations'],
  responses: { 200: { description: 'Live', schema: z.strictObject({ status: z.literal('live') }), example: { status: 'live' } } },
};
const READYZ_DOC: RouteDoc = {
  summary: 'Readiness: whether orders can be accepted now (no token)', tags: ['operations'],
  responses: {
    200: {
      description: 'Ready: every component "ok"', schema: z.strictObject({ status: z.literal('ready'), components: z.record(z.string(), z.string()) }),
      example: { status: 'ready', components: { database: 'ok', journal: 'ok', queues: 'ok' } },
    },
    503: {
      description: 'Not ready (NOT_READY): each component "ok" or its state, never an error text',
      schema: ErrorBody.extend({ code: z.literal('NOT_READY'), components: z.record(z.string(), z.string()) }),
      example: { code: 'NOT_READY', message: 'not ready: journal failing', requestId: 'r-1', components: { database: 'ok', journal: 'failing', queues: 'ok' } },
    },
  },
};
const JWKS_DOC: RouteDoc = {
  summary: "The public keys that verify the engine's tokens (RFC 7517)", tags: ['auth'],
  responses: {
    200: {
      description: 'Every key that verifies the engine\'s tokens',
      schema: z.object({ keys: z.array(z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), alg: z.literal('EdDSA'), use: z.literal('sig') })) }),
      example: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k-2026-01', alg: 'EdDSA', use: 'sig' }] },
    },
  },
};
const OPENAPI_DOC: RouteDoc = {
  summary: 'This document (OpenAPI 3.1)', tags: ['documentation'],
  responses: { 200: { description: 'The OpenAPI document of every route the engine serves' } },
};
const METRICS_DOC: RouteDoc = {
  summary: 'Prometheus metrics (text format 0.0.4): Bearer METRICS_TOKEN, or a principal allowed `metrics`', tags: ['operations'],
  description: 'docs/OPERATIONS.md "Metrics" lists the families. Served only when METRICS_ENABLED (default true).',
  responses: { 200: { description: 'The metrics, in the Prometheus text exposition format', contentType: 'text/plain; version=0.0.4' } },
  errors: { 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'] },
};
const DASHBOARD_DOC: RouteDoc = {
  summary: 'The live dashboard (a web page that signs in itself; docs/DASHBOARD.md)', tags: ['dashboard'],
  responses: { 200: { description: 'The page', contentType: 'text/html; charset=utf-8' } },
  errors: { 503: ['UNAVAILABLE'] },
};
const DASHBOARD_ASSET_DOC: RouteDoc = {
  summary: "One of the dashboard's built files (script, style, icon), by its hashed name", tags: ['dashboard'],
  responses: { 200: { description: 'The file, cached for a year (its name changes with its content)' } },
  errors: { 404: ['NOT_FOUND'] },
};
const ASYNCAPI_DOC: RouteDoc = {
  summary: 'The websocket protocol as an AsyncAPI 3.0 document (every frame, its schema and examples)', tags: ['documentation'],
  responses: { 200: { description: 'The AsyncAPI document of /ws (docs/PROTOCOL.md)' } },
};
const WS_DOC: RouteDoc = {
  summary: 'The websocket (MessagePack frames; docs/PROTOCOL.md)', tags: ['websocket'],
  description: 'Opened with the websocket upgrade (101 Switching Protocols). A token may come in Authorization at the upgrade, or in the first `auth` message.',
  responses: { 101: { description: 'Switching Protocols: the websocket is open' } },
  errors: { 401: ['UNAUTHENTICATED'], 403: ['ORIGIN_NOT_ALLOWED'], 426: ['UPGRADE_REQUIRED'], 503: ['TOO_MANY_CONNECTIONS'] },
};

/**
 * TLS 1.2 suites: ECDHE key exchange and AEAD ciphers only (Mozilla's "intermediate" list without
 * DHE), so no CBC/SHA-1 or static-RSA suite is negotiated. TLS 1.3 suites are BoringSSL's fixed,
 * all-AEAD set, and uSockets itself refuses anything below TLS 1.2 (measured: docs/PROTOCOL.md).
 */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

function sslApp(tls: NonNullable<GatewayOptions['tls']>, native: boolean): TemplatedApp {
  // The JS fallback has no SSLApp: it would serve plaintext, or nothing.
  if (!native) throw new Error('TLS needs the native uWebSockets.js binary; the JS fallback cannot terminate TLS');
  try {
    return uWS.SSLApp({
      cert_file_name: tls.certFile,
      key_file_name: tls.keyFile,
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
      ssl_ciphers: TLS12_CIPHERS,
    });
  } catch {
    // uWS says only "App construction failed"; config.ts has already checked the files, so this is rarer.
    throw new Error(`uWebSockets.js could not set up TLS with certificate ${tls.certFile} and key ${tls.keyFile}`);
  }
}

function notReadyList(r: Readiness): string {
  const down = Object.entries(r.components).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k} ${v}`);
  return `not ready: ${down.join(', ') || 'starting'}`;
}
