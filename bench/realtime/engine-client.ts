/**
 * The benchmark's engine connections (feed, trader, watcher) on the typed client (src/client),
 * with the per-frame path the bench has always had: the arrival time is taken before anything
 * else, a risk frame is peeked at (risk-peek.ts: portfolioId and tickTs only) instead of decoded,
 * and everything else is decoded once and handed to the handler of its type with that arrival time.
 * Sends go straight to the socket (`send`: one encode, one write; nothing tracked per order).
 * The echo floor (echo-server.ts) is not the protocol and keeps its raw socket (ws-client.ts).
 */
import { type RiskEngineClient } from '../../src/client/index.js';
import type { Channel, FrameData, OutboundMsg } from '../../src/client/index.js';
import { connectNode } from '../../src/client/node.js';
import { peekRiskHead } from './risk-peek.js';
import type { WireMsg } from './ws-client.js';

type Handler = (m: WireMsg, arrivedMs: number) => void;

/** Sees each frame first: stamps its arrival and answers risk frames from their head. */
class FrameTap {
  arrived = 0;
  received = 0;
  risk: Handler | undefined;
  constructor(private readonly now: () => number) {}
  readonly onFrame = (data: FrameData): boolean => {
    const arrived = (this.arrived = this.now());
    this.received++;
    const h = this.risk;
    if (h === undefined) return false;
    const head = peekRiskHead(data as Uint8Array);
    if (head === undefined) return false; // decoded in full by the client, then handed to `risk`
    h({ type: 'risk', portfolioId: head.portfolioId, tickTs: head.tickTs }, arrived);
    return true;
  };
}

export class BenchEngineClient {
  private constructor(private readonly client: RiskEngineClient, private readonly tap: FrameTap) {}

  /** Connects and authenticates (loopback only); `ca`: certificates trusted for wss://. */
  static async login(url: string, now: () => number, token: string, opts: { ca?: Buffer } = {}): Promise<BenchEngineClient> {
    if (!/^wss?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) throw new Error(`bench clients connect to loopback only, got ${url}`);
    const tap = new FrameTap(now);
    // No reconnect: a drop during a run spoils its figures, and the bench reports it instead.
    const client = await connectNode({ url, credentials: { token }, reconnect: false, onFrame: tap.onFrame, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) });
    return new BenchEngineClient(client, tap);
  }

  get received(): number {
    return this.tap.received;
  }

  on(type: 'risk' | 'ack' | 'reject' | 'error' | 'fill', h: Handler): void {
    if (type === 'risk') this.tap.risk = h;
    this.client.on(type, (m) => h(m as unknown as WireMsg, this.tap.arrived));
  }

  send(m: OutboundMsg): void {
    this.client.send(m);
  }

  async subscribe(channel: Channel, target: { portfolioId?: string; symbol?: string } = {}): Promise<void> {
    await this.client.subscribe(channel, target);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
