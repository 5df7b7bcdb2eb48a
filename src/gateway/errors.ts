/**
 * Every error the gateway itself can answer with. A code never changes meaning once released; add
 * new ones instead. Order rejections from the engine (MAX_ORDER_NOTIONAL, MAILBOX_FULL, ...) are
 * not listed here: they pass through as `reject {code}` unchanged.
 */
export const GATEWAY_ERROR_CODES = [
  /** Not MessagePack, a text frame, trailing bytes, or not a map at the root. */
  'BAD_FRAME',
  /** Frame above maxFrameBytes (a frame above maxPayloadLength is closed by uWS instead). */
  'FRAME_TOO_LARGE',
  /** Nesting deeper than the codec's maxDepth. */
  'TOO_DEEP',
  /** Failed the zod schema of its type; the message names the path. */
  'INVALID_MESSAGE',
  /** `type` is a string but not one the protocol knows. */
  'UNKNOWN_TYPE',
  /** No valid token yet, or the token is bad or expired. */
  'UNAUTHENTICATED',
  /** The token's role or portfolios do not allow this. */
  'FORBIDDEN',
  /** `auth` on a connection that is already authenticated. */
  'ALREADY_AUTHENTICATED',
  /** REST: no such route, portfolio, order. */
  'NOT_FOUND',
  /** REST: the request conflicts with the current state (order not open, portfolio exists). */
  'CONFLICT',
  /** REST: body above maxBodyBytes. */
  'PAYLOAD_TOO_LARGE',
  /** REST: a body that is not application/json. */
  'UNSUPPORTED_MEDIA_TYPE',
  /** REST: the body is not JSON. */
  'BAD_JSON',
  /** The engine refused a non-order request (bad limits, unknown portfolio ...); detail in message. */
  'ENGINE_REFUSED',
  /** A bug or an engine failure; the connection stays up. */
  'INTERNAL',
  /** REST: the route needs a part the engine runs without (e.g. dead letters without persistence). */
  'UNAVAILABLE',
  /** REST: a path parameter's percent-escapes are malformed or not UTF-8. */
  'BAD_PATH',
  /** REST: the route exists but not for this method; the `Allow` header lists the methods it has. */
  'METHOD_NOT_ALLOWED',
  /** A browser's Origin is not in the allow-list (websocket upgrade). */
  'ORIGIN_NOT_ALLOWED',
  /** Connection refused at the upgrade: a connection cap (overall, per IP or unauthenticated) is reached. */
  'TOO_MANY_CONNECTIONS',
  /** `subscribe` beyond the per-connection cap of subscriptions. */
  'TOO_MANY_SUBSCRIPTIONS',
  /** REST: a query parameter is malformed (limit, cursor). */
  'BAD_QUERY',
  /** GET /readyz: the engine cannot accept orders now (database, journal or queues not ready). */
  'NOT_READY',
  /** GET /ws without the websocket upgrade headers (426, with `Upgrade: websocket`). */
  'UPGRADE_REQUIRED',
  /** A rate limit was reached: HTTP 429 with Retry-After, or a websocket message refused (rate-limit.ts). */
  'RATE_LIMITED',
  /**
   * Scale-out: the portfolio's partition has no reachable owner now (a takeover or handoff is under
   * way, or the owner's link dropped with the message in flight) and none appeared within
   * CLUSTER_MOVE_WAIT_MS. Retryable: send the message again (an order with the same clientOrderId,
   * which the owner answers with the original outcome if it was taken after all).
   */
  'PARTITION_MOVING',
] as const;

export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/**
 * Codes a client should answer by sending the same message again later (`retryable: true` in
 * docs/PROTOCOL.md): nothing is wrong with the message, the engine could not take it now.
 */
export const RETRYABLE_CODES: ReadonlySet<GatewayErrorCode> = new Set<GatewayErrorCode>(['RATE_LIMITED', 'PARTITION_MOVING']);

export interface GatewayError {
  readonly code: GatewayErrorCode;
  readonly message: string;
}

export const gatewayError = (code: GatewayErrorCode, message: string): GatewayError => ({ code, message });

/** WebSocket close codes the gateway uses (4000–4999 is the application range of RFC 6455). */
export const CLOSE_CODES = {
  /** Going away: the server shuts down. */
  SHUTDOWN: 1001,
  /** The client's send buffer passed the hard cap (it stopped reading); nothing was dropped before. */
  SLOW_CONSUMER: 4008,
  /** The token expired while connected. */
  TOKEN_EXPIRED: 4001,
  /** No successful `auth` within authTimeoutMs of opening. */
  AUTH_TIMEOUT: 4002,
  /** Too many refused `auth` messages on one connection (each costs a JWT verification). */
  AUTH_FAILED: 4003,
  /** The connection reached the maximum session age; reconnect with a fresh token. */
  SESSION_MAX_AGE: 4004,
  /** The client kept sending after its messages were refused with RATE_LIMITED (RATE_LIMIT_WS_CLOSE_AFTER). */
  RATE_LIMITED: 4029,
  /** The login session of the connection's token was revoked (logout, refresh reuse, an admin), or its API key was, or the key's owner's rights were lowered. */
  SESSION_REVOKED: 4005,
} as const;

export const errors = {
  badFrame: (detail: string) => gatewayError('BAD_FRAME', `expected one binary MessagePack map per frame: ${detail}`),
  textFrame: () => gatewayError('BAD_FRAME', 'expected a binary frame, got a text frame'),
  frameTooLarge: (bytes: number, limit: number) => gatewayError('FRAME_TOO_LARGE', `frame of ${bytes} bytes exceeds the limit of ${limit} bytes`),
  tooDeep: (limit: number) => gatewayError('TOO_DEEP', `message nests deeper than ${limit} levels`),
  invalid: (path: readonly PropertyKey[], detail: string) =>
    gatewayError('INVALID_MESSAGE', `${path.length > 0 ? path.map(String).join('.') : '(root)'}: ${detail}`),
  unknownType: (type: string, known: readonly string[]) => gatewayError('UNKNOWN_TYPE', `unknown message type "${type.slice(0, 64)}"; expected one of ${known.join(', ')}`),
  unauthenticated: (detail: string) => gatewayError('UNAUTHENTICATED', detail),
  forbidden: (detail: string) => gatewayError('FORBIDDEN', detail),
  alreadyAuthenticated: (detail = 'this connection is already authenticated; open a new one to change identity') => gatewayError('ALREADY_AUTHENTICATED', detail),
  notFound: (what: string) => gatewayError('NOT_FOUND', `${what} not found`),
  conflict: (detail: string) => gatewayError('CONFLICT', detail),
  payloadTooLarge: (limit: number) => gatewayError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`),
  unsupportedMediaType: (got: string) => gatewayError('UNSUPPORTED_MEDIA_TYPE', `expected content-type application/json, got "${got.slice(0, 64)}"`),
  badJson: () => gatewayError('BAD_JSON', 'request body is not valid JSON'),
  engineRefused: (code: string, reason: string) => gatewayError('ENGINE_REFUSED', `${code}: ${reason}`),
  internal: (detail: string) => gatewayError('INTERNAL', detail),
  unavailable: (detail: string) => gatewayError('UNAVAILABLE', detail),
  badPath: (raw: string) => gatewayError('BAD_PATH', `path parameter "${printable(raw)}" is not valid percent-encoded UTF-8`),
  methodNotAllowed: (method: string, allow: string) => gatewayError('METHOD_NOT_ALLOWED', `method ${printable(method)} not allowed here; allowed: ${allow}`),
  originNotAllowed: (origin: string) => gatewayError('ORIGIN_NOT_ALLOWED', `origin "${printable(origin)}" is not allowed`),
  tooManyConnections: (detail: string) => gatewayError('TOO_MANY_CONNECTIONS', detail),
  tooManySubscriptions: (limit: number) => gatewayError('TOO_MANY_SUBSCRIPTIONS', `at most ${limit} subscriptions per connection`),
  badQuery: (name: string, expected: string) => gatewayError('BAD_QUERY', `query parameter ${name}: expected ${expected}`),
  notReady: (detail: string) => gatewayError('NOT_READY', detail),
  partitionMoving: (partition: number, waitedMs: number) =>
    gatewayError('PARTITION_MOVING', `the portfolio's partition ${partition} has no reachable owner (it is moving between engines; waited ${Math.round(waitedMs)} ms): retry, with the same clientOrderId for an order`),
  upgradeRequired: () => gatewayError('UPGRADE_REQUIRED', 'GET /ws opens a websocket: send Upgrade: websocket, Connection: Upgrade and Sec-WebSocket-Key'),
};

/** A caller's string, cut and with control characters escaped, for an error message. */
function printable(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s).slice(1, -1);
}
