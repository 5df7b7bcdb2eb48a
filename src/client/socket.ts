/**
 * The little the client needs of a websocket, so that Node passes the `ws` package and a browser
 * its native WebSocket. `ws` is an EventEmitter as well as an EventTarget: its `on('message')`
 * hands over the bytes without wrapping each frame in a MessageEvent, so the client listens that
 * way when it can (a latency benchmark counts every allocation per frame).
 */

/** Binary frame data as either implementation delivers it (`ws` with binaryType 'nodebuffer': a Buffer). */
export type FrameData = ArrayBuffer | Uint8Array;

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  /** A string goes out as a text frame (the protocol refuses those: only tests send one, through `sendRawFrame`). */
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
}

/** `new WebSocket(url)` (browser) or `new WebSocket(url, protocols, options)` (`ws`). */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[], options?: never) => WebSocketLike;

/** The server answered the upgrade request with plain HTTP (401, 403, 503 …): its status and the start of its body. */
export interface HttpRefusal {
  readonly status: number;
  readonly body: string;
}

export interface SocketListeners {
  open(): void;
  frame(data: FrameData, isBinary: boolean): void;
  close(code: number, reason: string): void;
  error(message: string, refusal?: HttpRefusal): void;
}

/** Enough of a refusal's body to say why (the gateway's are one short JSON object). */
const REFUSAL_BODY_MAX_BYTES = 4096;

interface NodeStyle {
  on(event: string, fn: (...args: any[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
}
interface DomStyle {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export const OPEN = 1;

function isNodeStyle(s: WebSocketLike): s is WebSocketLike & NodeStyle {
  return typeof (s as Partial<NodeStyle>).on === 'function' && typeof (s as Partial<NodeStyle>).removeAllListeners === 'function';
}

/** Wires the listeners; returns a function that detaches them (late events of a dropped socket are not news). */
export function attach(s: WebSocketLike, l: SocketListeners): () => void {
  if (isNodeStyle(s)) {
    s.on('open', () => l.open());
    s.on('message', (data: FrameData, isBinary: boolean) => l.frame(data, isBinary));
    s.on('close', (code: number, reason: { toString(): string }) => l.close(code, reason.toString()));
    s.on('error', (e: Error & { code?: string }) => l.error(e.code ?? e.message));
    s.on('unexpected-response', (_req: unknown, res: NodeStyle & { statusCode?: number }) => {
      // The body says why (e.g. which connection cap was hit); read a bounded start of it first.
      const status = res.statusCode ?? 0;
      // Uint8Array and TextDecoder, not Buffer: this file is bundled for browsers too.
      const body = new Uint8Array(REFUSAL_BODY_MAX_BYTES);
      let bytes = 0;
      let reported = false;
      const report = () => {
        if (reported) return;
        reported = true;
        l.error(`HTTP ${status || '?'} instead of the websocket upgrade`, { status, body: new TextDecoder().decode(body.subarray(0, bytes)) });
        // ws leaves the socket to us after an unexpected response.
        (s as unknown as { terminate?(): void }).terminate?.();
      };
      res.on('data', (c: Uint8Array) => {
        const n = Math.min(c.length, REFUSAL_BODY_MAX_BYTES - bytes);
        body.set(c.subarray(0, n), bytes);
        bytes += n;
      });
      res.on('end', report);
      res.on('close', report);
      res.on('error', report);
    });
    return () => {
      for (const ev of ['open', 'message', 'close', 'error', 'unexpected-response']) s.removeAllListeners(ev);
      s.on('error', () => {});
    };
  }
  const d = s as unknown as DomStyle;
  d.onopen = () => l.open();
  d.onmessage = (ev) => (typeof ev.data === 'string' ? l.frame(new TextEncoder().encode(ev.data), false) : l.frame(ev.data as FrameData, true));
  d.onclose = (ev) => l.close(ev.code, ev.reason);
  d.onerror = () => l.error('websocket error');
  return () => {
    d.onopen = d.onmessage = d.onclose = null;
    d.onerror = () => {};
  };
}
