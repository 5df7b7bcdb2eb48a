/**
 * Opt-in OpenTelemetry traces of the built `risk-engine serve`, on this machine's PostgreSQL (a
 * schema of its own) and Redis (a queue prefix of its own), exported over OTLP/HTTP to a receiver
 * of the test's own on loopback. On: a REST request makes a server span (honouring the caller's
 * traceparent) whose database queries are its children, Redis commands make ioredis spans, and a
 * BullMQ job makes a producer span and a consumer span in one trace. Off: no span leaves the
 * process and the SDK is never loaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, randomName, REDIS_URL } from '../persistence/queue-harness.js';
import { newTarget, type DbTarget } from '../persistence/pg-fixture.js';
import { killServes, startServe, testKeysDir, tradingSession, type ServeProcess } from '../persistence/serve-process.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const KEYS = testKeysDir();
const tmp = mkdtempSync(path.join(tmpdir(), 'risk-tracing-'));
/**
 * Preloaded into the serve under test (NODE_OPTIONS=--import): at exit it writes every CommonJS
 * module the process loaded (ESM imports of CommonJS packages land in require.cache too), so the
 * test can tell whether the OpenTelemetry SDK was ever loaded. Written here: lint covers TypeScript only.
 */
const preload = path.join(tmp, 'loaded-modules.mjs');
writeFileSync(preload, `
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
const require = createRequire(import.meta.url);
if (isMainThread && process.env.LOADED_MODULES_FILE) {
  process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));
}
`);
const SERVER = 2, PRODUCER = 4, CONSUMER = 5;

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const register = (port: number, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${port}/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email: `${randomBytes(4).toString('hex')}@example.com`, password: 'a long passphrase of mine', displayName: 'Trace' }),
  });

/** The spans between `span` and the trace's root, nearest first. */
function ancestors(all: readonly ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (let p = all.find((s) => s.spanId === span.parentSpanId); p !== undefined; p = all.find((s) => s.spanId === p!.parentSpanId)) out.push(p);
  return out;
}

const loadedModules = (file: string): string[] => JSON.parse(readFileSync(file, 'utf8')) as string[];
const isSdk = (m: string) => m.includes('/@opentelemetry/sdk-node/') || m.includes('/@opentelemetry/instrumentation-pg/');

afterAll(() => {
  killServes();
  rmSync(tmp, { recursive: true, force: true });
});

describe('serve with TRACING_ENABLED=true', () => {
  const receiver = new OtlpReceiver();
  let t: DbTarget;
  let prefix: string;
  let engine: ServeProcess;
  const modulesFile = path.join(tmp, 'on.json');

  beforeAll(async () => {
    const endpoint = await receiver.start();
    t = newTarget('external');
    prefix = randomName('traceq');
    engine = await startServe({
      SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL, QUEUE_PREFIX: prefix,
      TRACING_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'risk-engine-under-test', OTEL_BSP_SCHEDULE_DELAY: '200',
      NODE_OPTIONS: `--import=${preload}`, LOADED_MODULES_FILE: modulesFile,
    });
  }, 60_000);

  afterAll(async () => {
    killServes();
    await receiver.close();
    await deleteRedisKeys(prefix);
    await t?.cleanup();
  });

  it('makes a server span per REST request, child of the caller\'s traceparent, with the database queries as its children', async () => {
    const traceId = randomBytes(16).toString('hex'), callerSpan = randomBytes(8).toString('hex');
    const res = await register(engine.port, { traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(res.status).toBe(201);
    const server = await eventually(() => receiver.spans.find((s) => s.traceId === traceId && s.kind === SERVER), 'the server span');
    expect(server).toMatchObject({
      name: 'POST /auth/register', parentSpanId: callerSpan, service: 'risk-engine-under-test',
      attributes: { 'http.request.method': 'POST', 'http.route': '/auth/register', 'http.response.status_code': 201 },
    });
    const pgSpan = await eventually(
      () => receiver.spans.find((s) => s.traceId === traceId && s.scope.includes('instrumentation-pg') && /^(pg\.query|INSERT|SELECT|BEGIN|COMMIT)/.test(s.name)),
      'a pg query span in the request\'s trace',
    );
    expect(ancestors(receiver.spans, pgSpan).map((s) => s.spanId)).toContain(server.spanId);
  });

  it('makes ioredis spans for Redis commands (the request\'s rate limit, BullMQ\'s commands)', async () => {
    const traceId = randomBytes(16).toString('hex');
    expect((await register(engine.port, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` })).status).toBe(201);
    const redis = await eventually(() => receiver.spans.find((s) => s.traceId === traceId && s.scope.includes('instrumentation-ioredis')), 'an ioredis span');
    expect(redis.kind).toBe(3);
    expect(redis.attributes['db.system'] ?? redis.attributes['db.system.name']).toBe('redis');
  });

  it('makes a producer span when a job is queued and a consumer span, in the same trace, when the queue thread processes it', async () => {
    const session = await tradingSession(engine, KEYS, 'TRACED');
    try {
      session.feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      const ack = await session.trader.request(session.order('traced-1'));
      expect(ack.type).toBe('ack');
    } finally {
      await session.close();
    }
    const consumer = await eventually(() => receiver.spans.find((s) => s.kind === CONSUMER && s.scope === 'risk-engine-queues'), 'a BullMQ consumer span');
    const producer = receiver.spans.find((s) => s.kind === PRODUCER && s.traceId === consumer.traceId);
    expect(producer?.scope).toBe('risk-engine-queues');
    expect(consumer.name).toContain(prefix);
  });

  it('loaded the SDK (the check the off case relies on sees it)', async () => {
    engine.proc.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(loadedModules(modulesFile).some(isSdk)).toBe(true);
  });
});

describe('serve with tracing off (the default)', () => {
  const receiver = new OtlpReceiver();
  const modulesFile = path.join(tmp, 'off.json');
  const dataDir = mkdtempSync(path.join(tmp, 'data-'));

  afterAll(() => receiver.close());

  it('exports no span and never loads the OpenTelemetry SDK', async () => {
    const endpoint = await receiver.start();
    const engine = await startServe({
      SIGNING_KEYS_DIR: KEYS, DATA_DIR: dataDir, PERSISTENCE: 'memory', TRACING_ENABLED: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200', NODE_OPTIONS: `--import=${preload}`, LOADED_MODULES_FILE: modulesFile,
    });
    expect((await register(engine.port, { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` })).status).toBe(201);
    engine.proc.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(receiver.posts).toBe(0);
    const loaded = loadedModules(modulesFile);
    // The API package is a no-op facade that prom-client loads when it is installed (exemplars);
    // the SDK, the instrumentations and the loader hooks that patch modules must not load.
    const tracingModule = (m: string) => (m.includes('@opentelemetry/') && !m.includes('/@opentelemetry/api/')) || m.includes('import-in-the-middle') || m.includes('require-in-the-middle');
    expect(loaded.some((m) => m.includes('/prom-client/'))).toBe(true);
    expect(loaded.filter(tracingModule)).toEqual([]);
  }, 60_000);
});
