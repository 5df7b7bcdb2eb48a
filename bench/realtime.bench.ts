/**
 * End-to-end real-time benchmark: the engine in its own process (`risk-engine serve`), real
 * websockets over loopback, binary MessagePack frames, and an open-loop load at a fixed rate.
 *
 * Scenario (flags scale it): 1,000 portfolios × 20 options (+1 stock) over 50 underlyings, created
 * through POST /portfolios; 5,000 ticks/s from a feed client and 200 orders/s from a trader client
 * for 30 s (--quick: 10 s) after a short unmeasured warm-up; a subscriber client follows the risk
 * of a fixed sample of 100 portfolios. Sends never wait for replies (bench/realtime/open-loop.ts).
 *
 * Latencies (HdrHistogram, integer µs, reported in ms):
 * - tickToRisk: per tick × sampled portfolio holding its underlying, from the tick's INTENDED send
 *   time to the first risk update of that portfolio with tickTs ≥ the tick's ts. Every scheduled
 *   tick yields a sample even when the engine stalls, so no expected-interval correction is added
 *   (it would count a stall twice); ticks still unresolved at the end are recorded with their age.
 * - riskCompute: per risk update received, from the send of the newest tick it includes (its tickTs,
 *   our clock) to its arrival. Updates are not scheduled, so a stall shows as FEWER samples: these
 *   are corrected with the portfolio's expected update interval (its share of the tick rate).
 * - orderToAck: order intended send → its ack or reject. echo: the same client library, the same
 *   message size and rate against a raw uWebSockets.js echo server in its own process: the floor.
 *
 * Scale-out (`--engines N`, bench/realtime/cluster-*.ts): the same scenario against N engines on one
 * PostgreSQL schema, the clients spread over them, figures per engine and a takeover at the end.
 *
 * Run: `npm run bench -- --quick` (builds, then runs dist/bench/realtime.bench.js), or
 * `npx tsx bench/realtime.bench.ts --quick`. Loopback only; stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { deleteQueueKeys } from '../src/persistence/queue-keys.js';
import { Encoder } from '@msgpack/msgpack';
import { createDemoMarket } from '../src/engine/market/demo-market.js';
import { SigningKeyRing } from '../src/gateway/signing-keys.js';
import { Tokens } from '../src/gateway/tokens.js';
import { peakRssMb, startChild, type Child } from './realtime/child-process.js';
import { LatencyRecorder, type LatencySummaryMs } from './realtime/latency-recorder.js';
import { type ClockThread, startClockThread } from './realtime/clock-thread.js';
import { runOpenLoop } from './realtime/open-loop.js';
import { buildScenario, createBooks, getJson } from './realtime/scenario.js';
import { BenchEngineClient } from './realtime/engine-client.js';
import { BenchClient, type WireMsg } from './realtime/ws-client.js';
import { type ServerLatencyMs, bucketsBetween, serverLatency } from './realtime/server-metrics.js';
import { CLUSTER_DEFAULTS } from '../src/persistence/cluster/cluster-defaults.js';
import { type ClusterEngine, measureTakeover, startClusterEngines, waitForShares } from './realtime/cluster-engines.js';
import { ownerTable } from './realtime/cluster-map.js';
import { scrapeEngines } from './realtime/cluster-metrics.js';
import { type ClusterReport, buildClusterReport, printClusterReport } from './realtime/cluster-report.js';
import { type OrderRoute, OrderRoutes } from './realtime/order-routes.js';

type EnginesScrape = Awaited<ReturnType<typeof scrapeEngines>>;
import { type CommitFloor, type CommitFloorClient, openCommitFloor } from './realtime/commit-floor.js';
import { enginePoolSettings } from './realtime/engine-risk-inputs.js';
import { type KernelFloor, type KernelTiming, startKernelFloor } from './realtime/kernel-floor.js';
import { type PoolFloor, measurePoolFloor } from './realtime/pool-floor.js';
import { type GoalRow, ratioGoals, sweepFloorMs } from './realtime/goals.js';

const HELP = `Usage: realtime.bench [--quick] [--duration S] [--portfolios N] [--underlyings N] [--options N]
       [--sample N] [--tick-rate N] [--order-rate N] [--echo-rate N] [--threads N] [--spin MS] [--timer] [--json FILE]
       [--persistence external|embedded|memory] [--database-url URL] [--redis-url URL|none] [--tls] [--no-metrics]
       [--engines N]
  --persistence  where acknowledged changes go (default external: this machine's PostgreSQL at
                 --database-url, default postgres://postgres@127.0.0.1:5432/test, in a schema of its
                 own dropped afterwards, with the queues on Redis at --redis-url, default
                 redis://127.0.0.1:6379, under a prefix of their own; --redis-url none puts them on
                 PostgreSQL); embedded: PGlite in the engine, queues on it; memory: nothing stored
  --no-metrics  the engine runs with METRICS_ENABLED=false (no /metrics, nothing measured on its side), to
              compare with a run that has them; with metrics on, the engine's own order-to-ack and tick-to-risk
              (its /metrics histograms over the measured window) are printed beside the clients' figures
  --engines N scale-out (docs/SCALE-OUT.md): N engine processes on the bench's PostgreSQL schema
              (external only), each owning its share of the partitions; the feed, trader and subscriber
              are one set per engine, and each order, tick symbol and sampled portfolio goes through
              engine (its number mod N), so about (N-1)/N of orders are forwarded. Prints the figures
              per engine (their /metrics), forwarded vs local order-to-ack, the forward round trip,
              and a takeover (the last engine SIGKILLed at the end). Default 1: the single engine.
  --tls       the engine (and the echo floor) terminate TLS with a certificate made for the run (openssl);
              clients use https:// and wss:// and trust only that certificate
  Floors, measured in the same run and printed beside the figures with the ratio goals (goals.ts;
  docs/BENCHMARKS.md "How to read"): the raw uWS echo; one durable commit on the engine's database
  under the load (external only); the risk kernel's µs per book on these books, alone and with
  another thread busy, before the engine starts; the isolated risk pool's recalculations/s, before
  the engine starts.
  Sends are paced by a helper thread sleeping in Atomics.wait until each due time (punctual to tens of µs,
  no spinning); latencies count from the due time.
  --timer     pace with setTimeout instead (wakes up to ~1 ms late, and that lateness counts in every figure)
  --spin MS   spin (setImmediate) within MS of a due send; punctual but takes a core from the engine here
`;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    portfolios: { type: 'string' },
    underlyings: { type: 'string' },
    options: { type: 'string' },
    sample: { type: 'string' },
    'tick-rate': { type: 'string' },
    'order-rate': { type: 'string' },
    'echo-rate': { type: 'string' },
    threads: { type: 'string' },
    spin: { type: 'string' },
    timer: { type: 'boolean' },
    json: { type: 'string' },
    persistence: { type: 'string' },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string' },
    tls: { type: 'boolean' },
    'no-metrics': { type: 'boolean' },
    engines: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const num = (raw: string | undefined, fallback: number, name: string): number => {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a number > 0, got "${raw}"`);
  return v;
};
const quick = flags.quick === true;
const tls = flags.tls === true;
const metrics = flags['no-metrics'] !== true;
const persistence = (flags.persistence ?? 'external') as 'external' | 'embedded' | 'memory';
if (persistence !== 'external' && persistence !== 'embedded' && persistence !== 'memory') throw new Error(`--persistence must be external, embedded or memory, got "${persistence}"`);
const engineCount = Math.round(num(flags.engines, 1, 'engines'));
const refuse = (why: string): never => {
  process.stderr.write(`realtime.bench: ${why}\n`);
  process.exit(2);
};
if (engineCount > 1 && persistence !== 'external') {
  refuse(`--engines ${engineCount} needs --persistence external: engines share partitions through a PostgreSQL server (DATABASE_URL), and ${persistence} is one process`);
}
// The internal link would have to trust the run's self-signed certificate; not wired up here.
if (engineCount > 1 && tls) refuse('--engines with --tls is not supported: the engines\' internal link runs over plain ws:// on loopback');
if (engineCount > 1 && !metrics) refuse('--engines needs the engines\' /metrics (the per-engine figures and the takeover come from them): drop --no-metrics');
const databaseUrl = flags['database-url'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = persistence === 'external' && flags['redis-url'] !== 'none' ? (flags['redis-url'] ?? 'redis://127.0.0.1:6379') : undefined;
const cfg = {
  durationMs: num(flags.duration, quick ? 10 : 30, 'duration') * 1000,
  warmupMs: num(flags.warmup, quick ? 2 : 3, 'warmup') * 1000,
  portfolios: Math.round(num(flags.portfolios, 1000, 'portfolios')),
  underlyings: Math.round(num(flags.underlyings, 50, 'underlyings')),
  options: Math.round(num(flags.options, 20, 'options')),
  sample: Math.round(num(flags.sample, 100, 'sample')),
  tickRate: num(flags['tick-rate'], 5000, 'tick-rate'),
  orderRate: num(flags['order-rate'], 200, 'order-rate'),
  echoRate: num(flags['echo-rate'], 200, 'echo-rate'),
  echoMs: (quick ? 5 : 10) * 1000,
  spinMs: flags.spin === undefined ? 0 : Number(flags.spin),
  pacer: flags.timer === true ? 'setTimeout' : flags.spin !== undefined ? 'spin' : 'clock-thread',
  graceMs: 3000,
  /** The commit floor's fixed rate: enough samples for a p99, too few to load the database. */
  commitFloorRate: 50,
  poolFloorSeconds: 2.5,
};
const poolSettings = enginePoolSettings(process.env, flags.threads);

const TARGETS = {
  tickToRisk: { p50: 5, p99: 20 },
  riskCompute: { p50: 1 },
  orderToAck: { p50: 0.3, p99: 2 },
  recalcsPerSec: 50_000,
  rssMb: 1024,
};

/** The pacing thread (clock-thread.ts) unless --timer or --spin. */
const clock: ClockThread | undefined = cfg.pacer === 'clock-thread' ? startClockThread() : undefined;

/** Epoch ms on the same clock as performance.now(): the `ts` we put on ticks. */
const epochMs = (): number => performance.timeOrigin + performance.now();

function repoRoot(): string {
  // BENCH_ENGINE_ROOT runs the engine of another checkout (built) under this bench: before/after
  // comparisons then share one load generator and one set of floors.
  const other = process.env.BENCH_ENGINE_ROOT;
  if (other) {
    if (!existsSync(path.join(other, 'bin', 'risk-engine.js'))) throw new Error(`BENCH_ENGINE_ROOT ${other} has no bin/risk-engine.js`);
    return other;
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'bin', 'risk-engine.js'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find bin/risk-engine.js above ' + fileURLToPath(import.meta.url));
}

/** Pending ticks of one portfolio: FIFO of (ts, intended send time). */
class PendingTicks {
  ts: number[] = [];
  due: number[] = [];
  head = 0;
  push(ts: number, due: number): void {
    this.ts.push(ts);
    this.due.push(due);
  }
  get size(): number {
    return this.ts.length - this.head;
  }
  /** Resolves every pending tick with ts ≤ tickTs, calling `each(due)`. */
  resolveUpTo(tickTs: number, each: (due: number) => void): void {
    while (this.head < this.ts.length && (this.ts[this.head] as number) <= tickTs) each(this.due[this.head++] as number);
    if (this.head > 4096 && this.head * 2 > this.ts.length) {
      this.ts = this.ts.slice(this.head);
      this.due = this.due.slice(this.head);
      this.head = 0;
    }
  }
}

interface HealthFigures { recalculations: number; ticks: number; coalesced: number; conflated: number; dropped: number; journal: unknown; tickGuard: unknown }
/** Several engines' /health as one: counts summed (each engine applies every tick), the rest listed. */
function sumHealth(each: readonly HealthFigures[]): HealthFigures {
  if (each.length === 1) return each[0] as HealthFigures;
  const sum = (f: (h: HealthFigures) => number): number => each.reduce((s, h) => s + f(h), 0);
  return {
    recalculations: sum((h) => h.recalculations), ticks: sum((h) => h.ticks), coalesced: sum((h) => h.coalesced), conflated: sum((h) => h.conflated), dropped: sum((h) => h.dropped),
    journal: each.map((h) => h.journal), tickGuard: each.map((h) => h.tickGuard),
  };
}

function healthFigures(h: unknown): HealthFigures {
  const o = h as { recalculations?: number; ticks?: number; coalesced?: number; gateway?: { conflated?: number; dropped?: number }; journal?: unknown; tickGuard?: unknown };
  return {
    recalculations: o.recalculations ?? NaN, ticks: o.ticks ?? NaN, coalesced: o.coalesced ?? NaN, conflated: o.gateway?.conflated ?? NaN, dropped: o.gateway?.dropped ?? NaN,
    journal: o.journal ?? null,
    // Ticks the engine held or refused (market data checks): a run where any were is not the load it claims.
    tickGuard: o.tickGuard ?? null,
  };
}

async function measureEcho(port: number, ca: Buffer | undefined, sample: Uint8Array, ratePerSec: number, durationMs: number, spinMs: number, lag: LatencyRecorder): Promise<LatencySummaryMs> {
  const client = await BenchClient.connect(`${ca ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`, () => performance.now(), { raw: true, ...(ca ? { ca } : {}) });
  const rec = new LatencyRecorder();
  const due = new Map<number, number>();
  // The frame carries its sequence number in its first 4 bytes, the rest is an order-sized payload.
  client.ws.on('message', (data: Buffer) => {
    const arrived = performance.now();
    const seq = data.readUInt32BE(0);
    const d = due.get(seq);
    if (d !== undefined) {
      rec.recordMs(arrived - d);
      due.delete(seq);
    }
  });
  const frame = Buffer.alloc(Math.max(8, sample.byteLength));
  Buffer.from(sample).copy(frame, 0);
  // Warm-up, unmeasured.
  await runOpenLoop([{ name: 'echo', ratePerSec, send: () => client.sendRaw(frame) }], 1000, { spinMs, clock });
  await new Promise((r) => setTimeout(r, 200));
  await runOpenLoop([{ name: 'echo', ratePerSec, send: (i, d) => { due.set(i, d); frame.writeUInt32BE(i, 0); client.sendRaw(frame); } }], durationMs, { spinMs, clock, onLag: (ms) => lag.recordMs(ms) });
  await new Promise((r) => setTimeout(r, 500));
  for (const d of due.values()) rec.recordMs(performance.now() - d); // never echoed: at least this late
  await client.close();
  return rec.summary();
}

async function main(): Promise<void> {
  const root = repoRoot();
  const hardStop = setTimeout(() => {
    process.stderr.write('realtime.bench: hard time limit reached, stopping\n');
    void cleanup().finally(() => process.exit(1));
    // Creating the books through REST and the floors on them scale with the book count.
  }, cfg.warmupMs + cfg.durationMs + cfg.echoMs + 180_000 + cfg.portfolios * 30 + (engineCount - 1) * 60_000);
  hardStop.unref();

  const dataDir = mkdtempSync(path.join(tmpdir(), 'risk-bench-'));
  const jwt = { issuer: 'risk-engine', audience: 'risk-engine' };
  const children: Child[] = [];
  const clients: { close(): Promise<void> }[] = [];
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const cleanup = async (): Promise<void> => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    if (persistence === 'external') await dropSchema(databaseUrl, schema);
    if (redisUrl !== undefined) await deleteQueueKeys(redisUrl, schema).catch((e: unknown) => process.stderr.write(`could not delete the bench's queue keys: ${String(e)}\n`));
  };

  try {
    // ---- the kernel and the pool on the bench's books, before the engine starts (a quiet machine) ----
    const scenario = buildScenario({ portfolios: cfg.portfolios, underlyings: cfg.underlyings, optionsPerPortfolio: cfg.options, sample: cfg.sample, asOf: new Date().toISOString().slice(0, 10) });
    // "Quiet" means before our engine runs: a shared box may still be busy, which the load average says.
    const floorsLoadAvg1m = Math.round((loadavg()[0] ?? NaN) * 100) / 100;
    const kernelThread = await startKernelFloor(scenario.books, scenario.underlyings, poolSettings);
    clients.push(kernelThread);
    const kernelQuiet = kernelThread.quiet;
    process.stdout.write(`kernel floor (a worker thread, quiet machine): ${kernelQuiet.alone.bestUs.toFixed(2)} µs/book alone, ${kernelQuiet.busy.bestUs.toFixed(2)} µs/book with another thread busy\n`);
    const poolFloor = await measurePoolFloor(scenario.books, scenario.underlyings, poolSettings, cfg.poolFloorSeconds);
    process.stdout.write(`pool floor (${poolFloor.threads} threads, batches of ${poolFloor.batch}, quiet machine): ${poolFloor.recalcsPerSec} recalculations/s\n`);

    // ---- processes ----
    const cert = tls ? selfSignedCert(dataDir) : undefined;
    const ca = cert?.ca;
    const env = {
      ...process.env, DATA_DIR: dataDir, SIGNING_KEYS_DIR: path.join(dataDir, 'signing-keys'), RISK_ENGINE_JWT_ISSUER: jwt.issuer,
      RISK_ENGINE_JWT_AUDIENCE: jwt.audience, LOG_LEVEL: 'warn', NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0',
      ...(flags.threads !== undefined ? { RISK_POOL_THREADS: flags.threads } : {}),
      PERSISTENCE: persistence === 'memory' ? 'memory' : 'durable', DATABASE_SCHEMA: schema,
      DATABASE_URL: persistence === 'external' ? databaseUrl : '',
      REDIS_URL: redisUrl ?? '', QUEUE_PREFIX: schema,
      TLS_CERT_FILE: cert?.certFile ?? '', TLS_KEY_FILE: cert?.keyFile ?? '', TLS_KEY_PASSPHRASE: '', TLS_TERMINATED_BY_PROXY: '',
      // The set-up creates every book through POST /portfolios as fast as the engine takes them, far
      // above a desk's write rate: the check still runs on each, it just never refuses one.
      RATE_LIMIT_REST_WRITE: '1000000:1000000',
      METRICS_ENABLED: metrics ? 'true' : 'false',
    };
    // BENCH_ENGINE_NODE_ARGS passes node flags to the engine alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const engineNodeArgs = (process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const engineReady = /listening on https?:\/\/127\.0\.0\.1:(\d+).*uWS (\w+)/;
    const engines: ClusterEngine[] = engineCount > 1
      ? await startClusterEngines({
        n: engineCount, args: [...engineNodeArgs, path.join(root, 'bin', 'risk-engine.js'), 'serve', '--host', '127.0.0.1'], env, cwd: root, ready: engineReady, tls,
        started: (c) => children.push(c),
      })
      : [await startChild([...engineNodeArgs, path.join(root, 'bin', 'risk-engine.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
        env, cwd: root, ready: engineReady, timeoutMs: 60_000, name: 'engine',
      }).then((child) => {
        children.push(child);
        const port = Number(child.match[1]);
        return { id: 'engine', child, base: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, wsUrl: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ws` };
      })];
    const engine = (engines[0] as ClusterEngine).child;
    // REST (the books, /health, /trades) goes to the first engine; a cluster proxies to the owners.
    const base = (engines[0] as ClusterEngine).base;
    const self = fileURLToPath(import.meta.url);
    const echoFile = path.join(path.dirname(self), 'realtime', `echo-server${path.extname(self)}`);
    const echo = await startChild([...process.execArgv, echoFile, ...(cert ? ['--cert', cert.certFile, '--key', cert.keyFile] : [])], { cwd: root, ready: /echo listening on (\d+)/, timeoutMs: 30_000, name: 'echo server' });
    children.push(echo);
    const enginesLine = engineCount > 1 ? engines.map((e) => `engine ${e.id} pid ${e.child.pid} on ${e.base}`).join(', ') : `engine pid ${engine.pid} on ${base}`;
    process.stdout.write(`${enginesLine} (uWS ${engine.match[2]}), echo on ${echo.match[1]}\n`);

    // The engine made its development key in DATA_DIR at start; the bench signs with the same one.
    const signer = new Tokens({ keys: SigningKeyRing.open({ dir: path.join(dataDir, 'signing-keys'), createIfEmpty: false }), ...jwt });
    const token = (sub: string, roles: ('admin' | 'feed' | 'trader' | 'risk_manager')[]): Promise<string> =>
      signer.issueAccess({ sub, grants: roles.map((role) => ({ role, portfolios: ['*'] })), amr: ['dev'] }, 3600, Date.now());
    const adminToken = await token('bench-admin', ['admin']);
    // Every engine owns its share before the books are made (a portfolio is created at its owner).
    const ownersAtStart = engineCount > 1 ? ownerTable(await waitForShares(base, adminToken, engines.map((e) => e.id), 60_000)) : undefined;
    const routes = ownersAtStart ? new OrderRoutes(engines.map((e) => e.id), ownersAtStart) : undefined;

    // ---- scenario ----
    const t0 = performance.now();
    await createBooks(base, adminToken, scenario.books, ca ? { ca } : {});
    const booksCreatedMs = Math.round(performance.now() - t0);
    process.stdout.write(`created ${scenario.books.length} portfolios × ${cfg.options} options over ${cfg.underlyings} underlyings in ${booksCreatedMs} ms\n`);

    const now = (): number => performance.now();
    // One feed, trader and watcher per engine (one engine: the usual three). Message i of a stream goes
    // through engine i mod N (ticks by symbol, so each symbol's ticks stay in order on one connection):
    // every engine gateways an equal share of each kind, as a load balancer spreading clients would.
    const feeds: BenchEngineClient[] = [];
    const traders: BenchEngineClient[] = [];
    const watchers: BenchEngineClient[] = [];
    for (const e of engines) {
      const suffix = engineCount > 1 ? `-${e.id}` : '';
      feeds.push(await BenchEngineClient.login(e.wsUrl, now, await token(`bench-feed${suffix}`, ['feed']), ca ? { ca } : {}));
      traders.push(await BenchEngineClient.login(e.wsUrl, now, await token(`bench-trader${suffix}`, ['trader']), ca ? { ca } : {}));
      watchers.push(await BenchEngineClient.login(e.wsUrl, now, await token(`bench-watcher${suffix}`, ['risk_manager']), ca ? { ca } : {}));
    }
    clients.push(...feeds, ...traders, ...watchers);
    for (const [j, id] of scenario.sampled.entries()) await (watchers[j % engineCount] as BenchEngineClient).subscribe('risk', { portfolioId: id });

    // ---- echo floor, same order-sized frame, same rate as the orders ----
    const enc = new Encoder({ ignoreUndefined: true });
    const orderSample = enc.encode({ type: 'order', id: 123456, portfolioId: 'bench-0000', clientOrderId: 'b-123456', instrument: 'AAPL', side: 'buy', qty: 3, orderType: 'limit', limitPrice: 123.45 });
    const echoLag = new LatencyRecorder();
    const echoSummary = await measureEcho(Number(echo.match[1]), ca, orderSample, cfg.echoRate, cfg.echoMs, cfg.spinMs, echoLag);
    process.stdout.write(`echo floor measured (${echoSummary.count} round trips)\n`);

    // ---- measurement state ----
    const tickToRisk = new LatencyRecorder();
    const riskCompute = new LatencyRecorder();
    const orderToAck = new LatencyRecorder();
    const riskComputeRaw = new LatencyRecorder();
    const sendLag = new LatencyRecorder();
    const pending = new Map(scenario.sampled.map((id) => [id, new PendingTicks()]));
    const sampledSet = new Set(scenario.sampled);
    const updateIntervalMs = new Map(scenario.sampled.map((id) => [id, 1000 / (cfg.tickRate * ((scenario.underlyingCount.get(id) ?? 1) / cfg.underlyings))]));
    const orderDue = new Map<number, number>();
    const orderRoute = new Map<number, OrderRoute>(); // --engines: local or forwarded, decided at send
    const ourOrderIds = new Set<string>();
    const fillsSeen = new Set<string>();
    const rejectCodes = new Map<string, number>();
    let measureFrom = Infinity; // performance.now() from which samples count
    let riskUpdates = 0;
    let acks = 0;
    let rejects = 0;
    let unresolvedTicks = 0;

    const onRisk = (m: WireMsg, arrived: number): void => {
      const id = m.portfolioId as string;
      if (!sampledSet.has(id)) return;
      const tickTs = Number(m.tickTs);
      if (arrived >= measureFrom) {
        riskUpdates++;
        if (tickTs > 0) {
          const ms = performance.timeOrigin + arrived - tickTs;
          riskCompute.recordMsWithExpectedInterval(ms, updateIntervalMs.get(id) ?? 1);
          riskComputeRaw.recordMs(ms);
        }
      }
      pending.get(id)?.resolveUpTo(tickTs, (due) => tickToRisk.recordMs(arrived - due));
    };
    for (const w of watchers) w.on('risk', onRisk);
    const onOrderReply = (via: number) => (m: WireMsg, arrived: number): void => {
      if (typeof m.id !== 'number') return;
      const due = orderDue.get(m.id);
      if (due === undefined) return;
      orderDue.delete(m.id);
      const route = orderRoute.get(m.id);
      orderRoute.delete(m.id);
      if (due >= measureFrom) {
        orderToAck.recordMs(arrived - due);
        if (routes && route) routes.record(via, route, arrived - due);
      }
      if (m.type === 'ack') {
        acks++;
        if (typeof m.orderId === 'string') ourOrderIds.add(m.orderId);
      } else {
        rejects++;
        const code = String(m.code);
        rejectCodes.set(code, (rejectCodes.get(code) ?? 0) + 1);
      }
    };
    for (const [k, trader] of traders.entries()) {
      trader.on('ack', onOrderReply(k));
      trader.on('reject', onOrderReply(k));
      trader.on('error', onOrderReply(k));
      trader.on('fill', (m: WireMsg) => void fillsSeen.add(String(m.fillId)));
    }

    // ---- market: spots first, so every book can be valued before the load ----
    const market = createDemoMarket({ underlyings: scenario.underlyings, seed: 11, timeScale: 500 });
    const symbols = market.symbols;
    let prices = market.prices();
    const feedOf = (symbolIndex: number): BenchEngineClient => feeds[symbolIndex % engineCount] as BenchEngineClient;
    symbols.forEach((s, i) => feedOf(i).send({ type: 'tick', symbol: s, price: prices[i] as number, ts: epochMs() }));
    await new Promise((r) => setTimeout(r, 1000));

    const stockOf = scenario.books.map((b) => b.positions?.[0]?.instrument ?? (symbols[0] as string));
    const symbolIndex = new Map(symbols.map((s, i) => [s, i]));
    let lastAdvance = performance.now();
    const start = performance.now() + 50;
    measureFrom = start + cfg.warmupMs;
    // Every engine's /health; a failed one leaves its figures NaN rather than losing the run's latencies.
    const healthOfAll = async (): Promise<{ h: HealthFigures; each: HealthFigures[]; at: number }> => {
      const each = await Promise.all(engines.map((e) => getJson(`${e.base}/health`, adminToken, ca).catch(() => ({})).then(healthFigures)));
      return { h: sumHealth(each), each, at: performance.now() };
    };
    const health0Promise = new Promise<Awaited<ReturnType<typeof healthOfAll>>>((resolve) => setTimeout(() => void healthOfAll().then(resolve), cfg.warmupMs + 50));
    // The engines' histograms as the measured window opens (metrics on), summed over the engines; a
    // failed scrape leaves the server columns empty.
    const scrapeServer = (): Promise<EnginesScrape | undefined> => (metrics ? scrapeEngines(engines.map((e) => e.base), adminToken, ca).catch((e: unknown) => {
      process.stderr.write(`GET /metrics failed: ${String(e)}\n`);
      return undefined;
    }) : Promise.resolve(undefined));
    const server0Promise = new Promise<EnginesScrape | undefined>((resolve) => setTimeout(() => void scrapeServer().then(resolve), cfg.warmupMs + 50));

    // One durable commit, timed through the measured window on a connection of its own (external only:
    // an embedded PGlite lives inside the engine, where no other client reaches it).
    let commitFloor: CommitFloorClient | undefined;
    if (persistence === 'external') {
      // A floor that cannot be measured leaves its goal unjudged rather than losing the run.
      commitFloor = await openCommitFloor(databaseUrl, schema, cfg.commitFloorRate).catch((e: unknown) => {
        process.stderr.write(`commit floor not measured: ${String(e)}\n`);
        return undefined;
      });
      const c = commitFloor;
      if (c) {
        clients.push(c);
        setTimeout(() => c.start(), Math.max(0, measureFrom - performance.now()));
      }
    }
    // The kernel once more, mid-window, under the load (a few passes of one thread).
    const kernelUnderLoadPromise = new Promise<KernelTiming | null>((resolve) => {
      setTimeout(() => void kernelThread.underLoad().then(resolve, () => resolve(null)), Math.max(0, measureFrom + cfg.durationMs / 2 - performance.now()));
    });

    const loadBefore = Math.round((loadavg()[0] ?? NaN) * 100) / 100;
    const load = await runOpenLoop(
      [
        {
          name: 'ticks',
          ratePerSec: cfg.tickRate,
          // Up to 1 ms late (counted in tickToRisk): waking for every tick cost the client more CPU
          // than the sends themselves. Orders and the echo are sent on time.
          slackMs: 1,
          send: (i, due) => {
            const k = i % symbols.length;
            if (k === 0) {
              const t = performance.now();
              prices = market.next(t - lastAdvance);
              lastAdvance = t;
            }
            const symbol = symbols[k] as string;
            const ts = epochMs();
            feedOf(k).send({ type: 'tick', symbol, price: prices[k] as number, ts });
            if (due >= measureFrom) for (const id of scenario.sampledByUnderlying.get(symbol) ?? []) pending.get(id)?.push(ts, due);
          },
        },
        {
          name: 'orders',
          ratePerSec: cfg.orderRate,
          send: (i, due) => {
            // Spread over all books (a stride coprime with most sizes) so no portfolio nears its rate limit.
            const b = (i * 7919) % scenario.books.length;
            const portfolioId = (scenario.books[b] as { portfolioId: string }).portfolioId;
            const instrument = stockOf[b] as string;
            const px = prices[symbolIndex.get(instrument) ?? 0] as number;
            const side = i % 2 === 0 ? 'buy' : 'sell';
            // Half market orders (fill at once), half resting limits 3% away from the market.
            const limit = i % 4 >= 2 ? { orderType: 'limit' as const, limitPrice: Math.round(px * (side === 'buy' ? 0.97 : 1.03) * 100) / 100 } : { orderType: 'market' as const };
            orderDue.set(i, due);
            const via = i % engineCount;
            if (routes) orderRoute.set(i, routes.routeOf(portfolioId, via));
            (traders[via] as BenchEngineClient).send({ type: 'order', id: i, portfolioId, clientOrderId: `b-${i}`, instrument, side, qty: 1 + (i % 5), ...limit });
          },
        },
      ],
      cfg.warmupMs + cfg.durationMs,
      { startMs: start, spinMs: cfg.spinMs, clock, onLag: (ms) => { if (performance.now() >= measureFrom) sendLag.recordMs(ms); } },
    );
    const loadEnd = performance.now();
    const commit: CommitFloor | null = commitFloor ? await commitFloor.stop() : null;
    const kernelUnderLoad = await kernelUnderLoadPromise;
    const health0 = await health0Promise;
    const health1 = await healthOfAll();

    // ---- grace: let replies and the last recalculations arrive ----
    const graceEnd = loadEnd + cfg.graceMs;
    while (performance.now() < graceEnd) {
      let left = orderDue.size;
      for (const q of pending.values()) left += q.size;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const server1 = await scrapeServer();
    const server0 = await server0Promise;
    const server = server0 && server1 ? {
      orderToAck: serverLatency(bucketsBetween(server0.histograms.orderToAck, server1.histograms.orderToAck)),
      tickToRisk: serverLatency(bucketsBetween(server0.histograms.tickToRisk, server1.histograms.tickToRisk)),
    } : undefined;
    const cutoff = performance.now();
    for (const q of pending.values()) {
      unresolvedTicks += q.size;
      q.resolveUpTo(Infinity, (due) => tickToRisk.recordMs(cutoff - due));
    }
    const lostAcks = orderDue.size;

    // ---- fills the engine reports for our orders that the trader never received ----
    // Each engine lists the trades of the portfolios it owns.
    const allFills = await Promise.all(engines.map((e) => listAllFills(e.base, adminToken, ca))).then((l) => l.flat()).catch((e: unknown) => { process.stderr.write(`GET /trades failed: ${String(e)}\n`); return undefined; });
    const engineFills = (allFills ?? []).filter((f) => f.clientOrderId.startsWith('b-'));
    const lostFills = allFills === undefined ? NaN : engineFills.filter((f) => !fillsSeen.has(f.fillId)).length;
    const rssEach = engines.map((e) => peakRssMb(e.child.pid));
    const rssMb = Math.max(...rssEach);

    const measuredS = (loadEnd - measureFrom) / 1000;
    const perSec = (a: HealthFigures, b: HealthFigures): number => Number.isFinite(b.recalculations - a.recalculations)
      ? Math.round((b.recalculations - a.recalculations) / ((health1.at - health0.at) / 1000))
      : NaN;
    const recalcsPerSec = perSec(health0.h, health1.h);

    // ---- scale-out: per engine, the forwarding cost, then a takeover (the load is over) ----
    let cluster: ClusterReport | undefined;
    if (routes && server0 && server1) {
      const takeover = await measureTakeover(engines, adminToken, { pollMs: 10, timeoutMs: 30_000 }).catch((e: unknown) => {
        process.stderr.write(`takeover not measured: ${String(e)}\n`);
        return null;
      });
      cluster = buildClusterReport({
        ids: engines.map((e) => e.id), partitions: ownersAtStart?.length ?? NaN, routes: routes.summary(), before: server0.perEngine, after: server1.perEngine,
        recalcsPerSec: engines.map((_, k) => perSec(health0.each[k] as HealthFigures, health1.each[k] as HealthFigures)), rssMb: rssEach, takeover,
        pollMs: Number(process.env.CLUSTER_POLL_MS ?? CLUSTER_DEFAULTS.pollMs), sessionTimeoutMs: Number(process.env.CLUSTER_SESSION_TIMEOUT_MS ?? CLUSTER_DEFAULTS.sessionTimeoutMs),
      });
    } else if (routes) process.stderr.write('scale-out figures not reported: an engine\'s /metrics could not be read\n');

    const figures = { tickToRisk: tickToRisk.summary(), riskCompute: riskCompute.summary(), orderToAck: orderToAck.summary() };
    const floors: Floors = {
      echo: echoSummary,
      commit,
      commitNote: persistence === 'external' ? 'one-row INSERT, autocommit, own connection, under the load' : persistence === 'embedded'
        ? 'not measurable from outside: PGlite runs inside the engine' : 'nothing is committed in memory',
      kernel: { ...kernelQuiet, underLoad: kernelUnderLoad },
      riskThreads: poolSettings.threads,
      sweepMs: sweepFloorMs(cfg.portfolios, kernelQuiet.busy.bestUs, poolSettings.threads),
      pool: poolFloor,
      loadAvg1mBeforeFloors: floorsLoadAvg1m,
    };
    const goals = ratioGoals({
      persistence, orderToAck: figures.orderToAck, tickToRisk: figures.tickToRisk, recalcsPerSec, echo: echoSummary,
      commit, books: cfg.portfolios, kernelBusyUsPerBook: kernelQuiet.busy.bestUs, riskThreads: poolSettings.threads, poolRecalcsPerSec: poolFloor.recalcsPerSec,
    });
    const result = {
      ...figures,
      echo: echoSummary,
      floors,
      goals,
      // The engine's own figures from /metrics over the measured window (histogram buckets, so a
      // quantile is exact to its bucket only): from the frame's arrival to the ack / the risk frame sent.
      server: server ?? null,
      recalcsPerSec,
      lostAcks,
      lostFills,
      rssMb,
      ...(cluster ? { cluster } : {}),
      scenario: {
        portfolios: cfg.portfolios, booksCreatedMs, optionsPerPortfolio: cfg.options, underlyings: cfg.underlyings, sampledPortfolios: scenario.sampled.length,
        tickRate: cfg.tickRate, orderRate: cfg.orderRate, echoRate: cfg.echoRate, durationS: cfg.durationMs / 1000, warmupS: cfg.warmupMs / 1000,
        ticksSent: load.sent.ticks, ordersSent: load.sent.orders, acks, rejects, rejectCodes: Object.fromEntries(rejectCodes),
        fillsReported: engineFills.length, fillsReceived: fillsSeen.size, riskUpdatesMeasured: riskUpdates, riskUpdatesPerSec: Math.round(riskUpdates / measuredS),
        unresolvedTicks, riskComputeUncorrected: riskComputeRaw.summary(),
        clientSendLag: sendLag.summary(), echoClientSendLag: echoLag.summary(), spinMs: cfg.spinMs, pacer: cfg.pacer,
        engineTicks: health1.h.ticks - health0.h.ticks, engineCoalesced: health1.h.coalesced - health0.h.coalesced,
        gatewayConflated: health1.h.conflated, gatewayDropped: health1.h.dropped, engineTickGuard: health1.h.tickGuard,
        persistence, tls, metrics, queues: redisUrl !== undefined ? 'redis' : persistence === 'memory' ? 'none' : 'postgres', journal: health1.h.journal,
        engines: engineCount, uws: engine.match[2], node: process.version, cpus: availableParallelism(),
        // The box may be shared: the load average says how much of the CPU the run really had.
        loadAvg1mBefore: loadBefore, loadAvg1mAfter: Math.round((loadavg()[0] ?? NaN) * 100) / 100,
      },
    };
    printTable(result);
    printFloorsAndGoals(floors, goals);
    if (cluster) printClusterReport(cluster);
    if (flags.json !== undefined) {
      writeFileSync(flags.json, JSON.stringify(result, null, 2) + '\n');
      process.stdout.write(`wrote ${flags.json}\n`);
    }
  } finally {
    clearTimeout(hardStop);
    await cleanup();
    await clock?.close();
  }
}

interface Floors {
  echo: LatencySummaryMs;
  commit: CommitFloor | null;
  commitNote: string;
  kernel: KernelFloor & { underLoad: KernelTiming | null };
  riskThreads: number;
  sweepMs: number;
  pool: PoolFloor;
  loadAvg1mBeforeFloors: number;
}

function printFloorsAndGoals(fl: Floors, goals: readonly GoalRow[]): void {
  const f = (x: number): string => (Number.isFinite(x) ? (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3)) : '-');
  const k = fl.kernel;
  const lines = [
    '',
    `floors (same run; load average ${fl.loadAvg1mBeforeFloors} before the kernel and pool floors)`,
    `  echo          p50 ${f(fl.echo.p50)} ms, p99 ${f(fl.echo.p99)} ms   raw uWS echo, before the load`,
    fl.commit
      ? `  commit        p50 ${f(fl.commit.p50)} ms, p99 ${f(fl.commit.p99)} ms   ${fl.commit.count} commits at ${fl.commit.ratePerSec}/s (${fl.commit.skipped} skipped, ${fl.commit.failed} failed), synchronous_commit=${fl.commit.synchronousCommit}, ${fl.commitNote}`
      : `  commit        -   ${fl.commitNote}`,
    `  kernel        ${f(k.alone.bestUs)} µs/book alone, ${f(k.busy.bestUs)} with another thread busy (best of ${k.alone.reps} / ${k.busy.reps} passes over ${k.books} books; medians ${f(k.alone.medianUs)} / ${f(k.busy.medianUs)}): one thread, before the engine starts, quiet machine`,
    `  kernel (load) ${k.underLoad ? `${f(k.underLoad.bestUs)} µs/book (best of ${k.underLoad.reps} passes, mid-window, under the load)` : '-'}`,
    `  sweep         ${f(fl.sweepMs)} ms = ${k.books} books × ${f(k.busy.bestUs)} µs (busy) ÷ ${fl.riskThreads} risk threads`,
    `  pool          ${f(fl.pool.recalcsPerSec)} recalculations/s   createRiskPool, ${fl.pool.threads} threads, batches of ${fl.pool.batch}, kept full ${fl.pool.seconds} s before the engine starts (utilization ${fl.pool.utilization})`,
    '',
    `goals ${'measured'.padStart(20)} ${'floor'.padStart(10)} ${'ratio'.padStart(7)}  goal                               met`,
    ...goals.map((g) => `  ${g.name.padEnd(16)} ${f(g.measured).padStart(12)} ${f(g.floor).padStart(10)} ${(Number.isFinite(g.ratio) ? g.ratio.toFixed(2) : '-').padStart(7)}  ${`${g.kind === 'max' ? '≤' : '≥'} ${g.limit} × ${g.floorIs}`.padEnd(34)} ${g.met === null ? 'n/a (no floor)' : g.met ? 'yes' : 'NO'}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

function printTable(r: {
  tickToRisk: LatencySummaryMs; riskCompute: LatencySummaryMs; orderToAck: LatencySummaryMs; echo: LatencySummaryMs;
  server: { orderToAck: ServerLatencyMs; tickToRisk: ServerLatencyMs } | null;
  recalcsPerSec: number; lostAcks: number; lostFills: number; rssMb: number; scenario: Record<string, unknown>;
}): void {
  const f = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3)) : '-');
  const mark = (ok: boolean): string => (ok ? 'ok  ' : 'MISS');
  const row = (name: string, s: LatencySummaryMs, target: string, ok: boolean | null): string =>
    `${name.padEnd(12)} ${f(s.p50).padStart(9)} ${f(s.p99).padStart(9)} ${f(s.p999).padStart(9)} ${f(s.max).padStart(9)} ${String(s.count).padStart(9)}   ${ok === null ? '    ' : mark(ok)} ${target}`;
  const srow = (name: string, s: ServerLatencyMs, what: string): string =>
    `${name.padEnd(12)} ${f(s.p50).padStart(9)} ${f(s.p99).padStart(9)} ${f(s.p999).padStart(9)} ${'-'.padStart(9)} ${String(s.count).padStart(9)}        ${what}`;
  const t = TARGETS;
  const lines = [
    '',
    `scenario: ${JSON.stringify(r.scenario)}`,
    '',
    `${'latency ms'.padEnd(12)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'p99.9'.padStart(9)} ${'max'.padStart(9)} ${'count'.padStart(9)}   target`,
    row('tickToRisk', r.tickToRisk, `p50 ≤ ${t.tickToRisk.p50}, p99 ≤ ${t.tickToRisk.p99}`, r.tickToRisk.p50 <= t.tickToRisk.p50 && r.tickToRisk.p99 <= t.tickToRisk.p99),
    row('riskCompute', r.riskCompute, `p50 ≤ ${t.riskCompute.p50}`, r.riskCompute.p50 <= t.riskCompute.p50),
    row('orderToAck', r.orderToAck, `p50 ≤ ${t.orderToAck.p50}, p99 ≤ ${t.orderToAck.p99}`, r.orderToAck.p50 <= t.orderToAck.p50 && r.orderToAck.p99 <= t.orderToAck.p99),
    row('echo (floor)', r.echo, 'raw uWS echo, same client, size and rate', null),
    row('client lag', r.scenario.clientSendLag as LatencySummaryMs, 'bench send lateness behind schedule (in the figures above)', null),
    ...(r.server ? [
      srow('server o2a', r.server.orderToAck, 'engine /metrics: order frame arrival → ack sent (buckets)'),
      srow('server t2r', r.server.tickToRisk, 'engine /metrics: tick frame arrival → risk frame sent (buckets)'),
    ] : ['server       (metrics off, or /metrics not read)']),
    '',
    `recalcs/s    ${String(r.recalcsPerSec).padStart(9)}   ${mark(r.recalcsPerSec >= t.recalcsPerSec)} ≥ ${t.recalcsPerSec.toLocaleString('en-US')}`,
    `lost acks    ${String(r.lostAcks).padStart(9)}   ${mark(r.lostAcks === 0)} 0`,
    `lost fills   ${String(r.lostFills).padStart(9)}   ${mark(r.lostFills === 0)} 0`,
    `engine RSS   ${String(r.rssMb).padStart(6)} MB   ${mark(r.rssMb < t.rssMb)} < ${t.rssMb} MB (peak, VmHWM)`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((e: unknown) => {
  process.stderr.write(`realtime.bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

/** A one-day self-signed certificate for 127.0.0.1 in `dir` (--tls); clients trust exactly it. */
function selfSignedCert(dir: string): { certFile: string; keyFile: string; ca: Buffer } {
  const certFile = path.join(dir, 'tls-cert.pem');
  const keyFile = path.join(dir, 'tls-key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' });
  return { certFile, keyFile, ca: readFileSync(certFile) };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch (e) {
    process.stderr.write(`could not drop bench schema ${schema}: ${String(e)}\n`);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Every fill the engine lists, page by page (GET /trades is paged by limit and cursor). */
async function listAllFills(base: string, token: string, ca: Buffer | undefined): Promise<{ fillId: string; orderId: string; clientOrderId: string }[]> {
  const fills: { fillId: string; orderId: string; clientOrderId: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = (await getJson(`${base}/trades?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, token, ca)) as { fills: typeof fills; nextCursor?: string };
    fills.push(...page.fills);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return fills;
}
