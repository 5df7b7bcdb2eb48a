/**
 * The whole real-time stack on loopback for the gateway's end-to-end tests: the real risk pool
 * (piscina, compiled worker: run `npm run build` first), the real engine, the real uWS gateway on
 * port 0, and websocket clients speaking MessagePack: the typed client (src/client) under a test
 * adapter (`Client`). Nothing of ours is faked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { ClientError, type OutboundMsg, type RiskEngineClient } from '../../src/client/index.js';
import { type NodeClientOptions, connectNode } from '../../src/client/node.js';
import type { KycGate } from '../../src/engine/limits/kyc-gate.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import { realtimeVarEstimator } from '../../src/engine/risk/realtime-var-estimator.js';
import type { EngineApi } from '../../src/engine/runtime/engine-api.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import type { Role } from '../../src/gateway/auth.js';
import { SigningKeyRing } from '../../src/gateway/signing-keys.js';
import { Tokens } from '../../src/gateway/tokens.js';
import { type Gateway, type GatewayOptions, startGateway } from '../../src/gateway/server.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';

/** 21:00 UTC on 2026-01-15, the fixtures' valuation instant; the test clock runs on from there. */
export const START_MS = Date.UTC(2026, 0, 15, 21);
export const RATE = 0.04;
export const ISSUER = 'test-issuer';
export const AUDIENCE = 'test-gateway';
export const TICKERS = ['AAA', 'BBB', 'CCC'];

export interface Stack {
  readonly engine: EngineApi;
  readonly gateway: Gateway;
  /** The signing keys the gateway trusts (a fresh directory per stack). */
  readonly keys: SigningKeyRing;
  /** Signs and verifies with them, as the gateway does. */
  readonly tokens: Tokens;
  readonly url: string;
  readonly http: string;
  readonly clock: { nowMs(): number };
  /**
   * A tick ts for a feed of this stack: the engine clock's ms, rising by at least 1 per call, so it
   * passes the engine's TICK_MAX_SKEW_MS check as a real feed's would.
   */
  nextTickTs(): number;
  /** An access token granting each of `roles` on `portfolios`. */
  token(sub: string, roles: Role[], portfolios: string[], ttlSeconds?: number): Promise<string>;
  /** GET /health with an admin token. */
  health(): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * `gw`: gateway options laid over the defaults, or a function of the stack's token service that
 * returns them (for parts that must sign with the keys the gateway trusts, such as the accounts).
 */
export async function startStack(gw: Partial<GatewayOptions> | ((tokens: Tokens) => Partial<GatewayOptions>) = {}, engineOpts: { mailboxCapacity?: number; historyLimit?: number; kycGate?: KycGate } = {}): Promise<Stack> {
  const sc = syntheticScenarioSet({ underlyings: TICKERS, dailyVol: 0.02, correlation: 0.3, seed: 7 });
  if (!sc.ok) throw new Error(sc.message);
  const pool = createRiskPool({ threads: 2, scenarios: sc.value });
  const t0 = performance.now();
  const clock = { nowMs: () => START_MS + (performance.now() - t0) };
  // Wired as src/main.ts wires it: the pre-trade VaR limit sees the scenarios and confidence of the stream.
  const varEstimator = realtimeVarEstimator(sc.value, pool.varConfidence);
  const engine = new Engine({ calculator: pool, clock, rate: RATE, varEstimator, ...engineOpts });
  const keyDir = mkdtempSync(join(tmpdir(), 'risk-keys-'));
  const keys = SigningKeyRing.open({ dir: keyDir, createIfEmpty: true });
  const tokens = new Tokens({ keys, issuer: ISSUER, audience: AUDIENCE });
  let lastTickTs = 0;
  const gateway = await startGateway(engine, { host: '127.0.0.1', port: 0, jwt: tokens, ...(typeof gw === 'function' ? gw(tokens) : gw) });
  const token = (sub: string, roles: Role[], portfolios: string[], ttlSeconds = 600) =>
    tokens.issueAccess({ sub, grants: roles.map((role) => ({ role, portfolios })), amr: ['dev'] }, ttlSeconds, Date.now());
  const stack: Stack = {
    engine, gateway, keys, tokens, clock, token,
    nextTickTs: () => (lastTickTs = Math.max(Math.floor(clock.nowMs()), lastTickTs + 1)),
    url: `ws://127.0.0.1:${gateway.port}/ws`,
    http: `http://127.0.0.1:${gateway.port}`,
    health: async () => httpJson(stack, 'GET', '/health', { token: await token('ops', ['admin'], []) }),
    close: async () => {
      await gateway.close();
      await engine.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export type Msg = Record<string, any>;

export interface ConnectOptions {
  /** Sent in the query string (`?token=`: refused unless allowQueryToken). */
  token?: string;
  /** Sent in the upgrade's Authorization header as `Bearer …`. */
  header?: string;
  /** Sent in the upgrade's Authorization header as `ApiKey …`. */
  apiKeyHeader?: string;
  origin?: string;
  localAddress?: string;
  /** The certificates a wss:// client trusts. */
  ca?: Buffer;
}

type CloseInfo = { code: number; reason: string };

/**
 * The tests' view of a websocket connection: the typed client (src/client) underneath, for the
 * connection, the MessagePack codec and sign-in, with what a protocol probe needs on top. Every
 * frame is decoded into `received` (its bytes in `raw`) and a test waits for a match with `next`;
 * `send` writes any message untracked (invalid ones too: the gateway's answer is the point);
 * `sendRaw` writes bytes or a text frame the protocol refuses; the close code and reason are kept.
 * No reconnect: a test sees every drop.
 */
export class Client {
  readonly received: Msg[] = [];
  /** The bytes each binary frame arrived as. */
  readonly raw = new WeakMap<Msg, Buffer>();
  private readonly waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private nextId = 1;
  /** Messages a `next` already returned, so two waits never get the same one. */
  private readonly claimed = new Set<Msg>();
  closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;
  private settleClosed!: (info: CloseInfo) => void;
  private client!: RiskEngineClient;
  private socket!: WebSocket;

  private constructor() {
    this.closed = new Promise((resolve) => {
      this.settleClosed = (info) => {
        this.closeInfo ??= info;
        resolve(this.closeInfo);
      };
    });
  }

  /** The `ws` socket underneath, for transport-level probes (pausing its reads, corking its writes). */
  get ws(): WebSocket {
    return this.socket;
  }

  /** Opens the websocket without sending `auth`: credentials, if any, travel in the upgrade request. */
  static async connect(url: string, opts: ConnectOptions = {}): Promise<Client> {
    const u = opts.token ? `${url}?token=${encodeURIComponent(opts.token)}` : url;
    const headers: Record<string, string> = {};
    if (opts.header) headers.authorization = `Bearer ${opts.header}`;
    if (opts.apiKeyHeader) headers.authorization = `ApiKey ${opts.apiKeyHeader}`;
    const ws = { headers, ...(opts.origin ? { origin: opts.origin } : {}), ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) };
    return Client.open({ url: u, credentials: { inHandshake: true }, ws, ...(opts.ca ? { ca: opts.ca } : {}) });
  }

  /** Connects and authenticates with an `auth` message (the typed client's own sign-in). */
  static login(url: string, token: string, opts: { ca?: Buffer } = {}): Promise<Client> {
    return Client.open({ url, credentials: { token }, ...(opts.ca ? { ca: opts.ca } : {}) });
  }

  private static async open(opts: Pick<NodeClientOptions, 'url' | 'credentials' | 'ca' | 'ws'>): Promise<Client> {
    const c = new Client();
    try {
      c.client = await connectNode({
        ...opts,
        reconnect: false,
        // The server sends no text frames; one would be a finding, so it is kept for the test to see.
        onFrame: (data, isBinary) => {
          if (isBinary) return false;
          c.deliver({ type: '__text__', text: Buffer.from(data as Uint8Array).toString() });
          return true;
        },
        listeners: {
          frame: ({ msg, data }) => {
            c.raw.set(msg, data as Buffer);
            c.deliver(msg);
          },
          problem: (e) => c.deliver({ type: '__problem__', code: e.code, message: e.message }),
          disconnected: ({ code, reason }) => c.settleClosed({ code, reason }),
        },
      });
    } catch (e) {
      // An HTTP answer instead of the upgrade: tests read its status and body.
      if (e instanceof ClientError && e.http !== undefined) throw Object.assign(new Error(`HTTP ${e.http.status} ${e.http.body}`), { status: e.http.status, body: e.http.body, cause: e });
      throw e;
    }
    c.socket = c.client.webSocket as unknown as WebSocket;
    return c;
  }

  private deliver(m: Msg): void {
    this.received.push(m);
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (!this.claimed.has(m) && w.pred(m)) {
        this.waiters.splice(i, 1);
        w.resolve(m);
        break;
      }
    }
  }

  /** Encodes with the client's codec and sends untracked, whatever the message (the server judges it). */
  send(msg: Msg): void {
    // After a close the frame is dropped, as a `ws` socket drops it: a test sending into a closing connection reads the close.
    if (!this.client.connected) return;
    this.client.send(msg as OutboundMsg);
  }

  /** Sends several messages in one write, so the server reads them in one go (pipelining). */
  sendBatch(msgs: Msg[]): void {
    const sock = (this.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    sock.cork();
    for (const m of msgs) this.send(m);
    sock.uncork();
  }

  /** A frame no well-behaved client sends: raw bytes (e.g. malformed MessagePack) or, given a string, a text frame. */
  sendRaw(data: Buffer | string): void {
    if (!this.client.connected) return;
    this.client.sendRawFrame(data);
  }

  /** Sends with a fresh id and resolves with the reply that echoes it. */
  request(msg: Msg, timeoutMs = 5000): Promise<Msg> {
    const id = this.nextId++;
    const p = this.next((m) => m.id === id, timeoutMs);
    this.send({ ...msg, id });
    return p;
  }

  /** The first message (already received or future) matching `pred`; each message matches once. */
  next(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    const claimed = this.claimed;
    const have = this.received.find((m) => !claimed.has(m) && pred(m));
    if (have) {
      claimed.add(have);
      return Promise.resolve(have);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no matching message within ${timeoutMs} ms; last: ${JSON.stringify(this.received.slice(-3))}`));
      }, timeoutMs);
      const done = (m: Msg) => {
        clearTimeout(timer);
        claimed.add(m);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  async close(): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    await this.client.close();
    this.settleClosed(this.client.lastClose ?? { code: 1006, reason: '' });
    return this.closed;
  }
}

export async function httpJson(stack: Stack, method: string, path: string, opts: { token?: string; apiKey?: string; body?: unknown; rawBody?: string | Buffer; contentType?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers.authorization = `ApiKey ${opts.apiKey}`;
  let body: string | Buffer | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(stack.http + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as any };
}

/** An OCC symbol (padded root) for a contract. */
export function occ(root: string, expiry: string, type: 'C' | 'P', strike: number): string {
  const [y, m, d] = expiry.split('-') as [string, string, string];
  return `${root.padEnd(6, ' ')}${y.slice(2)}${m}${d}${type}${String(Math.round(strike * 1000)).padStart(8, '0')}`;
}
