/**
 * What a hostile client may see: the documented outcomes of docs/PROTOCOL.md ("Outcomes of any
 * request or frame"), as sets the fuzz checks every answer against. Anything else is a finding.
 */
import { ACTOR_REASON_CODES } from '../../src/engine/actors/reason-codes.js';
import { REASON_CODES } from '../../src/engine/limits/reason-codes.js';
import { COUNTERPARTY_REJECT_CODES } from '../../src/gateway/counterparty-screening.js';
import { CLOSE_CODES, GATEWAY_ERROR_CODES } from '../../src/gateway/errors.js';

/** HTTP statuses a request may get (101 and 426 only on /ws). 500 is never one: it is a bug. */
export const HTTP_STATUSES: ReadonlySet<number> = new Set([101, 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 426, 429, 503]);

/**
 * uWS's own refusal of a request it cannot parse (uWebSockets.js 20.57, HttpErrors.h), written whole
 * and followed by the close: its status, `Connection: close` as the only header, its HTML body. The
 * 20.30 build (Node 20) closes without writing anything instead. Either is "closed without an
 * answer" for the oracle; anything else without our headers is a finding.
 */
export const UWS_REFUSALS: ReadonlyMap<number, string> = new Map([
  [400, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n<h1>Bad Request</h1><hr><i>uWebSockets/20 Server</i>'],
  [431, 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n<h1>Request Header Fields Too Large</h1><hr><i>uWebSockets/20 Server</i>'],
  [505, 'HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n\r\n<h1>HTTP Version Not Supported</h1><p>This server does not support HTTP/1.0.</p><hr><i>uWebSockets/20 Server</i>'],
]);

/** Headers on every HTTP answer but a 101 (docs/PROTOCOL.md, REST). */
export const ANSWER_HEADERS: readonly string[] = ['x-request-id', 'x-content-type-options', 'cache-control', 'content-security-policy', 'referrer-policy'];

/**
 * Codes of the engine runtime (src/engine/runtime: engine.ts, tick-router.ts, portfolio-registry.ts)
 * that reach a client besides the pre-trade and actor reason codes.
 */
const ENGINE_RUNTIME_CODES = [
  'UNKNOWN_PORTFOLIO', 'INVALID_LIMITS', 'INVALID_INSTRUMENT', 'INVALID_PORTFOLIO', 'MISSING_VOL', 'PORTFOLIO_EXISTS', 'TICK_PRICE_INVALID', 'TICK_CLOCK_SKEW', 'INVALID_BAND',
];

/**
 * Codes that mean a bug (the gateway's or the engine's): documented, but never the answer to
 * something a client sent, however hostile.
 */
export const BUG_CODES: ReadonlySet<string> = new Set(['INTERNAL', 'INTERNAL_ERROR', 'ACTOR_FAILED']);

/** `error.code` / `reject.code` a frame may get. */
export const FRAME_CODES: ReadonlySet<string> = new Set(
  [...GATEWAY_ERROR_CODES, ...REASON_CODES, ...ACTOR_REASON_CODES, ...ENGINE_RUNTIME_CODES, ...COUNTERPARTY_REJECT_CODES].filter((c) => !BUG_CODES.has(c)),
);

/**
 * Close codes a hostile client may cause: the gateway's own (CLOSE_CODES), and uWS's 1006 (no close
 * frame) for a frame above maxPayloadLength or a text frame that is not UTF-8. 1011 (a send failed
 * inside the server) is a bug.
 */
export const CLOSE_CODES_ALLOWED: ReadonlySet<number> = new Set([...Object.values(CLOSE_CODES), 1006]);

/** Replies: exactly one per frame (a tick without `id` that the engine takes gets none). */
export const REPLY_TYPES: ReadonlySet<string> = new Set(['error', 'ack', 'reject', 'authenticated', 'subscribed', 'unsubscribed']);
/** Pushed to subscribers and order senders, never a reply. */
export const PUSH_TYPES: ReadonlySet<string> = new Set(['risk', 'fill', 'order', 'tick']);
