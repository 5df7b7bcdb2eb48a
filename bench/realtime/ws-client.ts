/**
 * A benchmark websocket client: binary MessagePack frames over the `ws` package, one decoder per
 * connection, messages dispatched by `type`. Loopback only; ws:// or wss://.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { WebSocket } from 'ws';
import { peekRiskHead } from './risk-peek.js';

export type WireMsg = Record<string, unknown> & { type?: unknown };

export class BenchClient {
  private readonly enc = new Encoder({ ignoreUndefined: true });
  private readonly dec = new Decoder();
  private readonly handlers = new Map<string, (m: WireMsg, arrivedMs: number) => void>();
  private readonly waiters: { pred: (m: WireMsg) => boolean; resolve: (m: WireMsg) => void }[] = [];
  received = 0;

  private constructor(readonly ws: WebSocket, private readonly now: () => number, raw: boolean) {
    // A raw client (the echo floor) reads frames itself through `ws.on('message')`.
    if (!raw) ws.on('message', (data: Buffer) => {
      const arrived = this.now();
      this.received++;
      // Risk frames: only the head is read (risk-peek.ts), unless nothing waits for whole messages.
      const riskHandler = this.handlers.get('risk');
      if (riskHandler !== undefined && this.waiters.length === 0) {
        const head = peekRiskHead(data);
        if (head !== undefined) {
          riskHandler({ type: 'risk', portfolioId: head.portfolioId, tickTs: head.tickTs }, arrived);
          return;
        }
      }
      const m = this.dec.decode(data) as WireMsg;
      const h = typeof m.type === 'string' ? this.handlers.get(m.type) : undefined;
      if (h) h(m, arrived);
      for (let i = 0; i < this.waiters.length; i++) {
        const w = this.waiters[i];
        if (w && w.pred(m)) {
          this.waiters.splice(i, 1);
          w.resolve(m);
          break;
        }
      }
    });
  }

  /** `ca`: certificates trusted for wss:// (the engine's self-signed one under --tls). */
  static connect(url: string, now: () => number, opts: { raw?: boolean; ca?: Buffer } = {}): Promise<BenchClient> {
    if (!/^wss?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) throw new Error(`bench clients connect to loopback only, got ${url}`);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) });
      ws.binaryType = 'nodebuffer';
      ws.once('open', () => resolve(new BenchClient(ws, now, opts.raw === true)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${url}: HTTP ${res.statusCode} on upgrade`)));
    });
  }

  on(type: string, h: (m: WireMsg, arrivedMs: number) => void): void {
    this.handlers.set(type, h);
  }

  send(m: Record<string, unknown>): void {
    // A fresh buffer per frame (not encodeSharedRef): ws may queue a frame and send it later.
    this.ws.send(this.enc.encode(m), { binary: true });
  }

  sendRaw(buf: Uint8Array): void {
    this.ws.send(buf, { binary: true });
  }

  /** Resolves with the first message matching `pred`, or rejects after `timeoutMs`. */
  waitFor(pred: (m: WireMsg) => boolean, timeoutMs: number, what: string): Promise<WireMsg> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (m: WireMsg): void => {
        clearTimeout(t);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** Sends `auth` and waits for `authenticated` (or fails on `error`). */
  async auth(token: string): Promise<void> {
    const id = 'auth';
    const reply = this.waitFor((m) => m.id === id && (m.type === 'authenticated' || m.type === 'error'), 10_000, 'authenticated');
    this.send({ type: 'auth', id, token });
    const m = await reply;
    if (m.type !== 'authenticated') throw new Error(`auth refused: ${String(m.code)} ${String(m.message)}`);
  }

  /** Sends `subscribe` and waits for `subscribed` (or fails on `error`). */
  async subscribe(channel: string, extra: Record<string, unknown> = {}, id: string = `sub-${channel}-${String(extra.portfolioId ?? '')}`): Promise<void> {
    const reply = this.waitFor((m) => m.id === id && (m.type === 'subscribed' || m.type === 'error'), 10_000, `subscribed ${channel}`);
    this.send({ type: 'subscribe', id, channel, ...extra });
    const m = await reply;
    if (m.type !== 'subscribed') throw new Error(`subscribe ${channel} refused: ${String(m.code)} ${String(m.message)}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
      setTimeout(() => { this.ws.terminate(); resolve(); }, 1000).unref();
    });
  }
}
