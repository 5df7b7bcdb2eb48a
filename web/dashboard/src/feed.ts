/**
 * The page's one websocket to the engine (docs/PROTOCOL.md): MessagePack frames, `auth {token}` as
 * the first message (a browser cannot set an Authorization header on a websocket, and a token in the
 * URL would end up in logs), the subscriptions once authenticated, and a reconnect with back-off that
 * authenticates and subscribes again. A fresh token is sent as `auth` on the open connection, which
 * keeps it and its subscriptions past the old token's expiry.
 *
 * Everything the rest of the page knows of the websocket is this module's interface (Feed,
 * FeedHandlers), so it can move onto the typed client of src/client/ without touching the views.
 */
import { decode, encode } from '@msgpack/msgpack';
import { type AlertFrame, type AuthenticatedFrame, type RiskFrame, isAlertFrame, isAuthenticatedFrame, isErrorFrame, isObj, isRiskFrame } from './frames';

export type Subscription = { readonly channel: 'risk'; readonly portfolioId?: string } | { readonly channel: 'alerts' };

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedHandlers {
  onRisk(frame: RiskFrame): void;
  onAlert(frame: AlertFrame): void;
  onAuthenticated(frame: AuthenticatedFrame): void;
  onState(state: FeedState, detail?: string): void;
  /** The engine ended the session (revoked, 4005): reconnecting would not help. */
  onSessionEnded(why: string): void;
}

export interface Feed {
  /** Re-authenticates the open connection with a fresh token (and uses it for every reconnect). */
  reauth(token: string): void;
  close(): void;
}

/** Close codes after which a reconnect cannot succeed with the same session. */
const SESSION_ENDED = new Set([4005]);
const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];

export function openFeed(url: string, token: () => string | undefined, subscriptions: readonly Subscription[], h: FeedHandlers): Feed {
  let ws: WebSocket | undefined;
  let closed = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let authenticated = false;

  const send = (msg: Record<string, unknown>) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(encode(msg));
  };

  const connect = () => {
    const t = token();
    if (closed || t === undefined) return;
    h.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    authenticated = false;
    const socket = new WebSocket(url);
    ws = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => send({ type: 'auth', id: 'auth', token: t });
    socket.onmessage = (ev: MessageEvent<unknown>) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      let f: unknown;
      try {
        f = decode(new Uint8Array(ev.data));
      } catch {
        return; // not MessagePack: nothing the page can draw
      }
      if (!isObj(f)) return;
      if (isRiskFrame(f)) return h.onRisk(f);
      if (isAlertFrame(f)) return h.onAlert(f);
      if (isAuthenticatedFrame(f)) {
        if (!authenticated) {
          authenticated = true;
          attempt = 0;
          subscriptions.forEach((s, i) => send({ type: 'subscribe', id: `sub-${i}`, ...s }));
          h.onState('live');
        }
        return h.onAuthenticated(f);
      }
      if (isErrorFrame(f) && !authenticated && f.id === 'auth') h.onState('reconnecting', `${f.code}: ${String(f.message)}`);
    };
    socket.onclose = (ev: CloseEvent) => {
      if (ws !== socket) return;
      ws = undefined;
      if (closed) return;
      if (SESSION_ENDED.has(ev.code)) {
        closed = true;
        h.onState('closed', ev.reason);
        return h.onSessionEnded(ev.reason || `closed with ${ev.code}`);
      }
      const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 10_000;
      attempt += 1;
      h.onState('reconnecting', `closed with ${ev.code}${ev.reason ? ` (${ev.reason})` : ''}; again in ${wait / 1000} s`);
      retry = setTimeout(connect, wait);
    };
  };

  connect();
  return {
    reauth(t: string) {
      if (authenticated) send({ type: 'auth', id: 'reauth', token: t });
    },
    close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      ws?.close(1000, 'signed out');
      ws = undefined;
      h.onState('closed');
    },
  };
}

/** The websocket URL of the engine that served this page. */
export function feedUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
