/**
 * Every failure the client reports, as one error class with a stable `code` (callers switch on
 * the code, never on the message). `serverCode` carries the engine's own code when the server
 * answered with `error` (docs/PROTOCOL.md, "Gateway error codes").
 */
import type { HttpRefusal } from './socket.js';

export type ClientErrorCode =
  /** The websocket could not be opened (refused, TLS, HTTP answer instead of an upgrade). */
  | 'CONNECT_FAILED'
  /** The server refused the token or API key. */
  | 'AUTH_REFUSED'
  /** The server answered the request with `error` (see `serverCode`). */
  | 'SERVER_ERROR'
  /** No reply within `requestTimeoutMs`. */
  | 'TIMEOUT'
  /** The connection dropped while the request was in flight and its outcome is unknown (cancel, replace, unsubscribe, tick). */
  | 'DISCONNECTED'
  /** Sent while not connected (only orders and subscriptions wait for the next connection). */
  | 'NOT_CONNECTED'
  /** The client was closed (by `close()`, or for good after a close the client must not retry). */
  | 'CLOSED'
  /** The server sent a frame that is not a MessagePack map. */
  | 'BAD_FRAME';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** The server's code, for SERVER_ERROR and AUTH_REFUSED (e.g. FORBIDDEN, UNAUTHENTICATED). */
    readonly serverCode?: string,
    /** The websocket close code, when a close caused it. */
    readonly closeCode?: number,
    /** CONNECT_FAILED: the socket's own reason (e.g. ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, HTTP 401 …). */
    readonly reason?: string,
    /** CONNECT_FAILED because the server answered the upgrade with plain HTTP: its status and body (why it refused). */
    readonly http?: HttpRefusal,
  ) {
    super(message);
  }
}

export const clientErrors = {
  connectFailed: (url: string, why: string, closeCode?: number, http?: HttpRefusal) => new ClientError('CONNECT_FAILED', `cannot connect to ${url}: ${why}${http?.body ? ` (${http.body})` : ''}`, undefined, closeCode, why, http),
  authRefused: (serverCode: string, message: string) => new ClientError('AUTH_REFUSED', `authentication refused: ${serverCode}: ${message}`, serverCode),
  server: (what: string, serverCode: string, message: string) => new ClientError('SERVER_ERROR', `${what}: ${serverCode}: ${message}`, serverCode),
  timeout: (what: string, ms: number) => new ClientError('TIMEOUT', `${what}: no reply within ${ms} ms`),
  disconnected: (what: string) => new ClientError('DISCONNECTED', `${what}: the connection dropped before the reply; the outcome is unknown`),
  notConnected: (what: string) => new ClientError('NOT_CONNECTED', `${what}: not connected`),
  closed: (why: string, closeCode?: number) => new ClientError('CLOSED', `client closed: ${why}`, undefined, closeCode),
  badFrame: (why: string) => new ClientError('BAD_FRAME', `the server sent a frame that is not a MessagePack map: ${why}`),
};
