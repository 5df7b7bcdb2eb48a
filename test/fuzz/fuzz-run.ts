/**
 * One fuzz run against the built `risk-engine serve` (a child process, durable on this machine's
 * PostgreSQL in a schema of its own): hostile HTTP requests and websocket frames at once, then the
 * checks that matter: the process is up, every answer was a documented one, the engine logged no
 * error, and a normal client still authenticates, creates a portfolio, trades and gets risk.
 * Used by test/fuzz/hostile-clients.test.ts and by `npm run fuzz` (test/fuzz/run.ts).
 */
import type { Role } from '../../src/gateway/auth.js';
import { minter } from '../gateway/dev-keys.js';
import { Client, type Msg } from '../gateway/harness.js';
import { newTarget } from '../persistence/pg-fixture.js';
import { killServes, type ServeProcess, startServe, testKeysDir } from '../persistence/serve-process.js';
import type { Sender } from './hostile-frames.js';
import { hostileRequests, type HttpTokens } from './hostile-http.js';
import { driveHttp, type HttpTally } from './http-driver.js';
import { Rand } from './random.js';
import { driveFrames, type WsTally } from './ws-driver.js';

export interface FuzzOptions {
  readonly seed: number;
  readonly requests: number;
  readonly frames: number;
  /** Run this long instead (requests and frames are then only the mix): `npm run fuzz -- --minutes N`. */
  readonly minutes?: number;
  /** Progress lines (the long run prints them; the test does not). */
  readonly log?: (line: string) => void;
}

export interface FuzzReport {
  readonly seed: number;
  readonly http: HttpTally;
  readonly ws: WsTally;
  readonly seconds: number;
  /** Every distinct problem found, one line each; empty when the engine passed. */
  readonly findings: readonly string[];
}

const MAX_FRAME_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
/** Portfolios the fuzz may touch; the final check trades in one of its own. */
const PORTFOLIOS = ['P1', 'P2', 'fz-1', 'fz-2', 'no-such'];

interface Found {
  /** The defect; every request or frame that shows it is one instance. */
  readonly kind: string;
  readonly text: string;
}

/** One line per kind of defect: how often, and its first instance (a finding seen 5,000 times is one line). */
function distinct(found: readonly Found[]): string[] {
  const byKind = new Map<string, { first: string; n: number }>();
  for (const f of found) {
    const e = byKind.get(f.kind);
    if (e) e.n++;
    else byKind.set(f.kind, { first: f.text, n: 1 });
  }
  return [...byKind].map(([kind, e]) => `${kind} (×${e.n}), e.g. ${e.first.slice(0, 1500)}`);
}

async function rest(port: number, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Msg }> {
  const r = await fetch(`http://127.0.0.1:${port}${url}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: (text === '' ? {} : JSON.parse(text)) as Msg };
}

/** What a normal client does after the fuzz: log in, create a portfolio, trade, get a fill and risk. */
async function normalClientTrades(port: number, mint: (sub: string, roles: Role[], portfolios: string[]) => Promise<string>, seed: number): Promise<string | null> {
  const pid = `after-${seed}`;
  const url = `ws://127.0.0.1:${port}/ws`;
  const admin = await mint('admin-after', ['admin'], ['*']);
  const health = await rest(port, admin, 'GET', '/health');
  if (health.status !== 200) return `GET /health answered ${health.status}`;
  const created = await rest(port, admin, 'POST', '/portfolios', { portfolioId: pid, cash: 10_000_000 });
  if (created.status !== 201) return `POST /portfolios answered ${created.status} ${JSON.stringify(created.json)}`;
  const feed = await Client.login(url, await mint('feed-after', ['feed'], []));
  const trader = await Client.login(url, await mint('trader-after', ['trader'], [pid]));
  try {
    const ticked = await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
    if (ticked.type !== 'ack' || ticked.status !== 'accepted') return `tick answered ${JSON.stringify(ticked)}`;
    const sub = await trader.request({ type: 'subscribe', channel: 'risk', portfolioId: pid });
    if (sub.type !== 'subscribed') return `subscribe answered ${JSON.stringify(sub)}`;
    const ack = await trader.request({ type: 'order', portfolioId: pid, clientOrderId: 'after-1', instrument: 'AAA', side: 'buy', qty: 100, orderType: 'market' }, 10_000);
    if (ack.type !== 'ack' || ack.status !== 'filled') return `order answered ${JSON.stringify(ack)}`;
    const fill = await trader.next((m) => m.type === 'fill' && m.orderId === ack.orderId, 10_000);
    if (fill.qty !== 100) return `fill of ${String(fill.qty)}, expected 100`;
    await trader.next((m) => m.type === 'risk' && m.portfolioId === pid && Math.abs(Number(m.greeks?.delta) - 100) < 1e-6, 15_000);
    return null;
  } catch (e) {
    return `normal client: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await Promise.all([feed.close(), trader.close()]).catch(() => {});
  }
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const t0 = Date.now();
  const target = newTarget('external');
  const keys = testKeysDir();
  let engine: ServeProcess | undefined;
  try {
    engine = await startServe({
      SIGNING_KEYS_DIR: keys, DATA_DIR: target.dataDir, DATABASE_URL: target.url, DATABASE_SCHEMA: target.schema,
      MAX_FRAME_BYTES: String(MAX_FRAME_BYTES), MAX_BODY_BYTES: String(MAX_BODY_BYTES), LOG_LEVEL: 'error',
    });
    const port = engine.port;
    let exited: number | null | undefined;
    void engine.exited.then((code) => (exited = code));
    const deadline = o.minutes !== undefined ? Date.now() + o.minutes * 60_000 : Infinity;
    const stopped = () => exited !== undefined || Date.now() > deadline;
    const totals = o.minutes !== undefined ? { requests: Number.MAX_SAFE_INTEGER, frames: Number.MAX_SAFE_INTEGER } : { requests: o.requests, frames: o.frames };
    log(`serve up on port ${port} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // Tokens outlive the run (a long fuzz must not see 4001 closes for its own tokens).
    const ttlSeconds = 600 + Math.ceil((o.minutes ?? 0) * 60);
    const signed = minter(keys);
    const mint = (sub: string, roles: Role[], portfolios: string[]) => signed(sub, roles, portfolios, ttlSeconds);
    const tokens: HttpTokens = {
      admin: await mint('fz-admin', ['admin'], ['*']),
      trader: await mint('fz-trader', ['trader'], ['P1', 'fz-1']),
      riskManager: await mint('fz-risk', ['risk_manager'], ['P1']),
      compliance: await mint('fz-compliance', ['compliance_officer'], ['*']),
      feed: await mint('fz-feed', ['feed'], []),
      refused: [
        await minter(testKeysDir())('x', ['admin'], ['*']),
        await signed('x', ['admin'], ['*'], -10),
        await minter(keys, { issuer: 'risk-engine', audience: 'elsewhere' })('x', ['admin'], ['*']),
      ],
    };
    // Portfolios with a position in AAA, and a price for it, so orders reach the pre-trade checks.
    for (const pid of ['P1', 'fz-1']) {
      const r = await rest(port, tokens.admin, 'POST', '/portfolios', { portfolioId: pid, cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 10 }] });
      if (r.status !== 201) throw new Error(`seeding ${pid}: ${r.status} ${JSON.stringify(r.json)}`);
    }
    const feed = await Client.login(`ws://127.0.0.1:${port}/ws`, tokens.feed);
    await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
    await feed.close();

    const rand = new Rand(o.seed);
    const httpRand = rand.fork();
    const wsRand = rand.fork();
    const wsTokens: Partial<Record<Sender, string>> = {
      trader: tokens.trader, admin: tokens.admin, feed: tokens.feed, risk_manager: tokens.riskManager, compliance_officer: tokens.compliance,
    };
    // A long run keeps the mix of the short one (10 frames a request): frames flood the engine's one
    // thread far faster than requests, which wait on connections.
    const httpTally: HttpTally = { sent: 0, outcomes: new Map(), findings: [], connections: 0 };
    const pace = async (framesDrawn: number): Promise<void> => {
      while (o.minutes !== undefined && framesDrawn > 10 * httpTally.sent + 50_000 && !stopped()) await new Promise((r) => setTimeout(r, 20));
    };
    const [http, ws] = await Promise.all([
      driveHttp(hostileRequests(httpRand, { tokens, portfolioIds: PORTFOLIOS, maxBodyBytes: MAX_BODY_BYTES }), totals.requests, {
        port, concurrency: 16, batch: 16, connectionTimeoutMs: 15_000, stopped, tally: httpTally,
      }).then((r) => {
        log(`HTTP done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return r;
      }),
      driveFrames(wsRand, totals.frames, {
        onDone: () => log(`websocket done at ${((Date.now() - t0) / 1000).toFixed(1)} s`),
        pace,
        url: `ws://127.0.0.1:${port}/ws`,
        tokens: wsTokens,
        // anon's `auth` carries an empty token, refused by the schema, so only broken ones cost a
        // verification (three refused verifications close the connection with 4003).
        ctx: (s) => ({ authToken: s === 'anon' ? '' : (wsTokens[s] as string), portfolioIds: PORTFOLIOS, maxFrameBytes: MAX_FRAME_BYTES }),
        senders: ['anon', 'anon', 'trader', 'admin', 'feed', 'risk_manager', 'compliance_officer'],
        batch: 500,
        batchTimeoutMs: 15_000,
        closing: o.minutes !== undefined ? Math.round(o.minutes * 30) : Math.max(2, Math.round(o.frames / 20_000)),
        stopped,
      }),
    ]);
    log(`sent ${http.sent} requests and ${ws.sent} frames in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const found: Found[] = [];
    // Give a crash in flight a moment to show.
    await new Promise((r) => setTimeout(r, 200));
    const died = exited !== undefined || engine.proc.exitCode !== null;
    if (died) found.push({ kind: 'the engine exited', text: engine.output().slice(-1500) });
    for (const f of http.findings) found.push({ kind: `HTTP: ${f.kind}`, text: `${f.request}: ${f.problem}` });
    for (const f of ws.findings) {
      // After a crash every connection fails: that is the crash, already reported.
      if (!(died && (f.kind === 'cannot connect' || f.kind === 'replies missing'))) found.push({ kind: `frame: ${f.kind}`, text: `from ${f.sender} (${f.frame}): ${f.problem}` });
    }
    if (o.minutes === undefined && !died && http.sent < o.requests) found.push({ kind: 'requests without outcome', text: `only ${http.sent} of ${o.requests} requests got an outcome` });
    if (!died) {
      const after = await normalClientTrades(port, mint, o.seed);
      if (after !== null) found.push({ kind: 'a normal client cannot trade after the fuzz', text: after });
    }
    // Errors the engine logged (LOG_LEVEL=error): a handler that threw, an engine call that failed.
    for (const line of engine.output().split('\n')) {
      if (!/"level":(50|60)/.test(line)) continue;
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '?';
      found.push({ kind: `engine logged "${msg}"`, text: line.slice(0, 1500) });
    }
    const findings = distinct(found);
    return { seed: o.seed, http, ws, seconds: (Date.now() - t0) / 1000, findings };
  } finally {
    if (engine && engine.proc.exitCode === null) engine.proc.kill('SIGTERM');
    await engine?.exited;
    killServes();
    await target.cleanup();
  }
}

/** The report as a few readable lines: the seed first, so a failure can be replayed. */
export function formatReport(r: FuzzReport): string {
  const tally = (m: Map<string | number, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`).join(', ');
  return [
    `fuzz seed ${r.seed} (replay: npm run fuzz -- --seed ${r.seed}), ${r.seconds.toFixed(1)} s`,
    `HTTP: ${r.http.sent} requests on ${r.http.connections} connections; outcomes ${tally(r.http.outcomes)}`,
    `websocket: ${r.ws.sent} frames, ${r.ws.replies} replies, ${r.ws.pushes} pushes, ${r.ws.lostToClose} unanswered at a documented close; closes ${tally(r.ws.closes) || 'none'}`,
    `  replies ${tally(r.ws.answers)}`,
    r.findings.length === 0 ? 'no findings' : `${r.findings.length} distinct findings:\n${r.findings.map((f) => `  - ${f}`).join('\n')}`,
  ].join('\n');
}
