/**
 * Sends hostile frames over real websockets (the `ws` client), pipelined in batches: a batch is
 * written at once, then a sentinel whose reply marks the batch's end, and the replies are counted
 * against what the frames earn (one each; a tick without `id` zero or one). Every reply is decoded
 * and its code checked against the documented sets; a close must carry a documented code, and the
 * connection is opened again so the fuzz goes on.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { WebSocket } from 'ws';
import { type FrameFuzzContext, type HostileFrame, type Sender, closingFrame, everyFieldWrong, hostileFrame } from './hostile-frames.js';
import { BUG_CODES, CLOSE_CODES_ALLOWED, FRAME_CODES, PUSH_TYPES, REPLY_TYPES } from './outcomes.js';
import type { Rand } from './random.js';

export interface WsFinding {
  /** The defect, the same for every frame that shows it (findings are grouped by it). */
  readonly kind: string;
  readonly sender: Sender;
  /** The frame the problem is blamed on, or the last frames sent when no id says which. */
  readonly frame: string;
  readonly problem: string;
}

export interface WsTally {
  sent: number;
  replies: number;
  pushes: number;
  /** Close code → count. */
  readonly closes: Map<number, number>;
  /** Reply code (error / reject) or type → count. */
  readonly answers: Map<string, number>;
  /** Frames a documented close left unanswered. */
  lostToClose: number;
  readonly findings: WsFinding[];
}

export interface WsDriverOptions {
  readonly url: string;
  /** Per sender: the token it connects with (none for anon). */
  readonly tokens: Readonly<Partial<Record<Sender, string>>>;
  readonly ctx: (sender: Sender) => FrameFuzzContext;
  readonly senders: readonly Sender[];
  readonly batch: number;
  /** Replies to a batch must arrive within this. */
  readonly batchTimeoutMs: number;
  /** Frames uWS answers with a close (above maxPayloadLength, text not UTF-8) sent in the run. */
  readonly closing: number;
  /** True once the engine is gone: stop instead of reconnecting. */
  readonly stopped: () => boolean;
  readonly onDone?: () => void;
  /** Awaited before each batch with the frames drawn so far: lets the runner keep HTTP's share of the engine. */
  readonly pace?: (framesDrawn: number) => Promise<void>;
}

const dec = new Decoder();
const enc = new Encoder();

class FuzzConn {
  replies = 0;
  /** Replies the frames sent so far earn at least / at most. */
  minReplies = 0;
  maxReplies = 0;
  closed: { code: number; reason: string } | undefined;
  private readonly recent: HostileFrame[] = [];
  private readonly byId = new Map<string, HostileFrame>();
  private waiter: (() => void) | undefined;
  private sentinelSeen = new Set<string>();

  private constructor(readonly sender: Sender, readonly ws: WebSocket, private readonly t: WsTally) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.waiter?.();
    });
    ws.on('error', () => {});
  }

  static open(url: string, sender: Sender, token: string | undefined, t: WsTally): Promise<FuzzConn> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    ws.binaryType = 'nodebuffer';
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FuzzConn(sender, ws, t)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${sender}: HTTP ${res.statusCode} on upgrade`)));
      ws.once('error', reject);
    });
  }

  private finding(kind: string, frame: HostileFrame | undefined, problem: string): void {
    const where = frame ? frame.what : `one of: ${this.recent.slice(-5).map((f) => f.what).join(' | ')}`;
    this.t.findings.push({ kind, sender: this.sender, frame: where, problem });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) return this.finding('text frame from the server', undefined, `text frame from the server: ${data.toString('utf8').slice(0, 100)}`);
    let m: Record<string, unknown>;
    try {
      m = dec.decode(data) as Record<string, unknown>;
    } catch (e) {
      return this.finding('undecodable reply', undefined, `undecodable reply: ${String(e)}`);
    }
    const type = typeof m?.type === 'string' ? m.type : undefined;
    const id = typeof m.id === 'string' ? m.id : undefined;
    const frame = id !== undefined ? this.byId.get(id) : undefined;
    if (type !== undefined && PUSH_TYPES.has(type)) {
      this.t.pushes++;
      return;
    }
    if (type === undefined || !REPLY_TYPES.has(type)) return this.finding('reply of unknown type', frame, `reply of unknown type: ${JSON.stringify(m).slice(0, 200)}`);
    if (id !== undefined && id.startsWith('sentinel-')) {
      this.sentinelSeen.add(id);
      this.waiter?.();
      return;
    }
    this.replies++;
    this.t.replies++;
    const code = type === 'error' || type === 'reject' ? m.code : undefined;
    const key = typeof code === 'string' ? code : type;
    this.t.answers.set(key, (this.t.answers.get(key) ?? 0) + 1);
    if (code !== undefined && (typeof code !== 'string' || !FRAME_CODES.has(code))) {
      this.finding(`${BUG_CODES.has(String(code)) ? 'bug' : 'undocumented'} code ${String(code)}`, frame, `${BUG_CODES.has(String(code)) ? 'bug' : 'undocumented'} code ${String(code)}: ${String(m.message ?? m.reason).slice(0, 300)}`);
    }
    if (this.replies > this.maxReplies) this.finding('more replies than frames', frame, `more replies (${this.replies}) than frames earn (${this.maxReplies}): ${JSON.stringify(m).slice(0, 200)}`);
    this.waiter?.();
  }

  send(f: HostileFrame): void {
    if (this.closed) return;
    this.t.sent++;
    this.recent.push(f);
    if (this.recent.length > 50) this.recent.shift();
    if (f.id !== undefined) {
      this.byId.set(f.id, f);
      if (this.byId.size > 5000) this.byId.delete(this.byId.keys().next().value as string);
    }
    if (f.replies === 'one') this.minReplies++;
    if (f.replies !== 'close') this.maxReplies++;
    this.ws.send(f.data, { binary: f.binary });
  }

  /** Sends a frame whose reply (an error or `unsubscribed`) carries a known id, and waits for it and every owed reply. */
  async settle(n: number, timeoutMs: number): Promise<'settled' | 'closed' | 'timeout'> {
    const id = `sentinel-${n}`;
    if (!this.closed) this.ws.send(enc.encode({ type: 'unsubscribe', id, channel: 'market' }), { binary: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) return 'closed';
      if (this.sentinelSeen.has(id) && this.replies >= this.minReplies) return 'settled';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  lastFrames(): string {
    return this.recent.slice(-8).map((f) => f.what).join(' | ');
  }

  close(): void {
    if (!this.closed) this.ws.terminate();
  }
}

/** Sends `total` frames spread over one connection per sender, opened again after each documented close. */
export async function driveFrames(rand: Rand, total: number, opts: WsDriverOptions): Promise<WsTally> {
  const t: WsTally = { sent: 0, replies: 0, pushes: 0, closes: new Map(), answers: new Map(), lostToClose: 0, findings: [] };
  let drawn = 0;
  let closingLeft = opts.closing;
  let sentinel = 0;
  const runSender = async (sender: Sender, r: Rand): Promise<void> => {
    const ctx = opts.ctx(sender);
    let conn: FuzzConn | undefined;
    // Each sender first sends every message type with each field wrong in turn, then random frames.
    const systematic = everyFieldWrong(r, ctx);
    const next = (): HostileFrame => {
      const s = systematic.next();
      return s.done ? hostileFrame(r, ctx, sender) : s.value;
    };
    while (drawn < total && !opts.stopped()) {
      try {
        conn ??= await FuzzConn.open(opts.url, sender, opts.tokens[sender], t);
      } catch (e) {
        if (!opts.stopped()) t.findings.push({ kind: 'cannot connect', sender, frame: '(connecting)', problem: `could not connect: ${String(e)}` });
        return;
      }
      await opts.pace?.(drawn);
      if (opts.stopped()) break;
      const n = Math.min(opts.batch, total - drawn);
      drawn += n;
      for (let i = 0; i < n; i++) conn.send(next());
      // Once in a while the batch ends with a frame uWS refuses by closing.
      if (closingLeft > 0 && r.chance(0.05)) {
        closingLeft--;
        conn.send(closingFrame(r, ctx));
      }
      const outcome = await conn.settle(sentinel++, opts.batchTimeoutMs);
      if (outcome === 'timeout' && !opts.stopped()) {
        t.findings.push({ kind: 'replies missing', sender, frame: conn.lastFrames(), problem: `${conn.minReplies - conn.replies} of the batch's replies missing after ${opts.batchTimeoutMs} ms (connection open)` });
        conn.close();
        conn = undefined;
        continue;
      }
      if (outcome === 'closed') {
        const c = conn.closed!;
        t.closes.set(c.code, (t.closes.get(c.code) ?? 0) + 1);
        t.lostToClose += Math.max(0, conn.minReplies - conn.replies);
        if (!CLOSE_CODES_ALLOWED.has(c.code)) t.findings.push({ kind: `close ${c.code}`, sender, frame: conn.lastFrames(), problem: `closed with undocumented code ${c.code} "${c.reason}"` });
        conn = undefined;
      }
    }
    // Stay for late replies (async orders) so an extra one is still counted, then leave.
    if (conn) {
      await conn.settle(sentinel++, opts.batchTimeoutMs);
      conn.close();
    }
  };
  await Promise.all(opts.senders.map((s) => runSender(s, rand.fork())));
  opts.onDone?.();
  return t;
}
