/**
 * The page's one websocket to the engine, through the typed client of src/client/ (the same one
 * `risk-engine watch`, the benchmark and the tests use; docs/PROTOCOL.md). The client authenticates
 * with `auth {token}` as the first message (a browser cannot set an Authorization header on a
 * websocket, and a token in the URL would end up in logs), holds the subscriptions, reconnects with
 * back-off and subscribes again. A fresh token is handed to the open connection as a new `auth`,
 * which keeps it and its subscriptions past the old token's expiry; a reconnect asks the session
 * for its current token.
 *
 * What is left here is the page's part: the badge's states, the end of a revoked session, and a new
 * client when one is closed for good (its first connection failed, or a token was refused on a
 * reconnect): the page stays up until the person signs out.
 */
import { backoffDelayMs } from '../../../src/client/backoff.js';
import { type AlertOut, type DisconnectedEvent, RiskEngineClient, type RiskOut } from '../../../src/client/index.js';

export type Subscription = { readonly channel: 'risk'; readonly portfolioId?: string } | { readonly channel: 'alerts' };

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedHandlers {
  onRisk(frame: RiskOut): void;
  onAlert(frame: AlertOut): void;
  onState(state: FeedState, detail?: string): void;
  /** The engine ended the session (revoked, 4005): reconnecting would not help. */
  onSessionEnded(why: string): void;
}

export interface Feed {
  /** Re-authenticates the open connection with a fresh token (reconnects ask `token()` anyway). */
  reauth(token: string): void;
  close(): void;
}

/** The close code after which a reconnect cannot succeed with the same session. */
const SESSION_ENDED = 4005;
/** Slower than the client's default start (100 ms): every open page meets a restarted engine at once. */
const BACKOFF = { initialDelayMs: 500, maxDelayMs: 10_000, maxAttempts: Infinity };

export function openFeed(url: string, token: () => string | undefined, subscriptions: readonly Subscription[], h: FeedHandlers): Feed {
  let client: RiskEngineClient | undefined;
  let closed = false;
  /** Clients opened in a row that never got connected (the client counts its own reconnects). */
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const credentials = {
    token: () => {
      const t = token();
      if (t === undefined) throw new Error('signed out');
      return t;
    },
  };

  const again = (why: string) => {
    if (closed || token() === undefined) return;
    const wait = backoffDelayMs(BACKOFF, attempt++, Math.random);
    h.onState('reconnecting', `${why}; again in ${seconds(wait)}`);
    retry = setTimeout(start, wait);
  };

  const onDisconnected = (c: RiskEngineClient, d: DisconnectedEvent) => {
    if (d.code === SESSION_ENDED) {
      closed = true;
      void c.close();
      h.onState('closed', d.reason);
      return h.onSessionEnded(d.reason || `closed with ${d.code}`);
    }
    // retryInMs undefined: the client gives up, its `closed` follows and a new one is opened.
    if (d.retryInMs !== undefined) h.onState('reconnecting', `${closedWith(d)}; again in ${seconds(d.retryInMs)}`);
  };

  const start = () => {
    retry = undefined;
    if (closed || token() === undefined) return;
    h.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    RiskEngineClient.connect({ url, WebSocket, credentials, reconnect: BACKOFF }).then((c) => {
      if (closed) return void c.close();
      client = c;
      attempt = 0;
      c.on('risk', h.onRisk);
      c.on('alert', h.onAlert);
      c.on('connected', () => h.onState('live'));
      c.on('disconnected', (d) => onDisconnected(c, d));
      c.on('closed', (e) => {
        if (client !== c) return;
        client = undefined;
        again(e.error?.message ?? 'closed');
      });
      // Held by the client and sent again after each reconnect. A refused one (FORBIDDEN) leaves
      // its view on the REST snapshot, as before; a failure to send is the connection's, shown by the badge.
      for (const s of subscriptions) c.subscribe(s.channel, 'portfolioId' in s && s.portfolioId !== undefined ? { portfolioId: s.portfolioId } : {}).catch(() => {});
      h.onState('live');
    }, (e: unknown) => again(e instanceof Error ? e.message : String(e)));
  };

  start();
  return {
    reauth(t: string) {
      // Refused: the connection stays on the old token until its expiry (4001), then the client
      // reconnects with the session's current one. Not connected: the reconnect uses it anyway.
      client?.reauthenticate(t).catch(() => {});
    },
    close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      const c = client;
      client = undefined;
      void c?.close();
      h.onState('closed');
    },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const closedWith = (d: DisconnectedEvent) => `closed with ${d.code}${d.reason ? ` (${d.reason})` : ''}`;

/** The websocket URL of the engine that served this page. */
export function feedUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
