/**
 * GET /metrics of the built `risk-engine serve` on this machine's PostgreSQL with Redis queues: who
 * may read it, that the families are there and move with what the engine does (an order, a tick, a
 * failed login, an AML alert), and that every metric ops/prometheus/alerts.yml names is one the
 * engine exports. Needs `npm run build`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deleteRedisKeys, randomName, REDIS_URL } from './queue-harness.js';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { killServes, type ServeProcess, serveToken, startServe, testKeysDir, tradingSession } from './serve-process.js';

const KEYS = testKeysDir();
const METRICS_TOKEN = 'metrics-scrape-secret-0123456789abcdef';
let t: DbTarget;
let prefix: string;
let engine: ServeProcess;

beforeAll(async () => {
  t = newTarget('external');
  prefix = randomName('metrics');
  engine = await startServe({
    SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL, QUEUE_PREFIX: prefix, AML_LARGE_NOTIONAL: '1000',
    METRICS_TOKEN,
  });
}, 60_000);

afterAll(async () => {
  killServes();
  await deleteRedisKeys(prefix);
  await t?.cleanup();
});

const scrape = async (authorization = `Bearer ${METRICS_TOKEN}`): Promise<Response> =>
  fetch(`http://127.0.0.1:${engine.port}/metrics`, { headers: authorization === '' ? {} : { authorization } });

/** Every sample of the text format: `name{labels}` → value. */
async function samples(): Promise<Map<string, number>> {
  const r = await scrape();
  expect(r.status).toBe(200);
  const out = new Map<string, number>();
  for (const line of (await r.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
const names = (s: Map<string, number>): Set<string> => new Set([...s.keys()].map((k) => k.replace(/\{.*$/, '')));

describe('GET /metrics: who may read it', () => {
  it('answers the scrape token and an admin, and refuses no credential (401), a wrong token (401) and a trader (403)', async () => {
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await scrape(`Bearer ${await serveToken(KEYS, 'ops', ['admin'])}`)).status).toBe(200);
    expect((await scrape('')).status).toBe(401);
    expect((await scrape(`Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Bearer ${await serveToken(KEYS, 'trader-9', ['trader'])}`)).status).toBe(403);
  });
});

describe('GET /metrics: the families move with the engine', () => {
  it('counts an order and observes its order-to-ack, counts ticks, a failed login, a token refusal and the AML alert a large fill raised', { timeout: 40_000 }, async () => {
    const before = await samples();
    const session = await tradingSession(engine, KEYS, 'M1');
    try {
      session.feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      expect((await session.trader.request(session.order('m-1'))).type).toBe('ack');
    } finally {
      await session.close();
    }
    const login = await fetch(`http://127.0.0.1:${engine.port}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
    });
    expect(login.status).toBe(401);
    expect((await scrape('Bearer not-a-jwt')).status).toBe(401);

    // The AML alert comes from the queue thread through the database: wait for it.
    let after = await samples();
    for (let i = 0; i < 60 && ![...after.keys()].some((k) => k.startsWith('risk_engine_aml_alerts_total{')); i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await samples();
    }
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta('risk_engine_orders_total')).toBe(1);
    expect(delta('risk_engine_order_to_ack_seconds_count{outcome="ack"}')).toBe(1);
    expect(after.get('risk_engine_order_to_ack_seconds_bucket{outcome="ack",le="+Inf"}')).toBe(after.get('risk_engine_order_to_ack_seconds_count{outcome="ack"}'));
    expect(delta('risk_engine_ticks_total')).toBeGreaterThanOrEqual(1);
    expect(delta('risk_engine_portfolios')).toBe(1);
    expect(delta('risk_engine_logins_total{result="failed"}')).toBe(1);
    expect(delta('risk_engine_login_failures_total{reason="unknown_email"}')).toBe(1);
    expect(delta('risk_engine_token_refusals_total{reason="TOKEN_INVALID"}')).toBe(1);
    expect(delta('risk_engine_journal_commit_seconds_count')).toBeGreaterThan(0);
    expect([...after.entries()].filter(([k]) => k.startsWith('risk_engine_aml_alerts_total{rule="LARGE_NOTIONAL"')).map(([, v]) => v)).toEqual([1]);
    expect(after.get('risk_engine_ready')).toBe(1);
    expect(after.get('risk_engine_queue_counts_up')).toBe(1);
    expect(after.get('risk_engine_kyc_cases_up')).toBe(1);
    expect(after.get('risk_engine_sanctions_list_loaded_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600);
    const n = names(after);
    for (const family of ['risk_engine_nodejs_heap_size_used_bytes', 'risk_engine_nodejs_eventloop_lag_p99_seconds', 'risk_engine_nodejs_eventloop_utilization_ratio',
      'risk_engine_mailbox_queued_messages', 'risk_engine_pool_queue_tasks', 'risk_engine_pool_utilization_ratio', 'risk_engine_recalculations_total',
      'risk_engine_recalculations_coalesced_total', 'risk_engine_frames_dropped_total', 'risk_engine_frames_conflated_total', 'risk_engine_journal_backlog_entries',
      'risk_engine_dead_letters', 'risk_engine_queue_jobs', 'risk_engine_account_lockouts_total', 'risk_engine_mfa_verifications_total', 'risk_engine_rate_limited_total',
      'risk_engine_screenings_total', 'risk_engine_kyc_cases', 'risk_engine_reports', 'risk_engine_tick_to_risk_seconds_count']) {
      expect(n, family).toContain(family);
    }
  });
});

describe('ops/prometheus/alerts.yml against a running engine', () => {
  it('names only metrics the engine exports (besides Prometheus\'s own `up`)', async () => {
    const file = path.join(import.meta.dirname, '..', '..', 'ops', 'prometheus', 'alerts.yml');
    const doc = parse(readFileSync(file, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const exported = names(await samples());
    const named = new Set(doc.groups.flatMap((g) => g.rules.flatMap((r) => r.expr.match(/\brisk_engine_[a-z0-9_]+/g) ?? [])));
    expect(named.size).toBeGreaterThan(5);
    for (const metric of named) expect(exported, metric).toContain(metric);
  });
});
