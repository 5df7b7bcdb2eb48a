/**
 * Every metric family GET /metrics shows, registered in the one registry main.ts makes. Almost all
 * are read at scrape (prom-client `collect`) from counters the engine, the gateway, the journal,
 * the queues and the security ports keep anyway, so measuring adds no work where ticks and orders
 * run; the two latency histograms of that path are FixedHistograms (realtime-metrics.ts). What a
 * scrape must ask outside the process (queue counts, KYC cases) is bounded by a timeout: a slow
 * Redis or database leaves the last values and sets an `_up` gauge to 0, it never hangs a scrape.
 * docs/OPERATIONS.md "Metrics" lists the families.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, type Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineApi, EngineStats } from '../engine/runtime/engine-api.js';
import type { GatewayStats, Readiness } from '../gateway/health.js';
import type { JournalStats } from '../persistence/journal.js';
import { REPORT_TYPES } from '../engine/reports/report-types.js';
import type { QueueCounts } from '../persistence/queues.js';
import { withTimeout } from '../settles-within.js';
import { FixedHistogram, LATENCY_BUCKETS_SECONDS } from './fixed-histogram.js';
import type { RealtimeMetrics } from './realtime-metrics.js';
import type { CodeCounts, SecurityCounters } from './security-counters.js';

import type { OwnershipStats } from '../persistence/cluster/ownership.js';

export const METRIC_PREFIX = 'risk_engine_';

/** How long a scrape waits for the queues or the database before it shows the last values. */
export const SCRAPE_TIMEOUT_MS = 2000;

export interface MetricSources {
  readonly engine: EngineApi;
  /** The gateway's counters; undefined until it listens. */
  readonly gateway: () => Readonly<GatewayStats> | undefined;
  readonly realtime: RealtimeMetrics;
  readonly security: SecurityCounters;
  /** Access tokens refused by code (Tokens.refusals). */
  readonly tokenRefusals: Readonly<Record<string, number>>;
  readonly sanctions: { readonly loadedAtMs: number; readonly screenings: ReadonlyMap<string, number> };
  /** AML alerts raised since start, by rule and severity (counted from the alert relay). */
  readonly amlAlerts: ReadonlyMap<string, { readonly rule: string; readonly severity: string; n: number }>;
  readonly readiness: () => Readiness;
  /** KYC cases by state (the review backlog). */
  readonly kycCases: () => Promise<Readonly<Record<string, number>>>;
  /** Absent on PERSISTENCE=memory. */
  readonly persistence?: {
    readonly journal: () => JournalStats;
    readonly queueWorkers: () => { readonly state: string; readonly restarts: number };
    readonly queueCounts: () => Promise<Readonly<Record<string, QueueCounts>>>;
    /** Compliance reports requested in the last 7 days, by type and status (report-rows.ts recentCounts). */
    readonly reports?: () => Promise<readonly { readonly type: string; readonly status: string; readonly n: number }[]>;
  };
  /** The ownership's counters (scale-out on a PostgreSQL server); undefined before it opens. */
  readonly cluster?: () => OwnershipStats | undefined;
  readonly scrapeTimeoutMs?: number;
}

/** The journal's commit histogram: made before persistence opens (the journal observes into it). */
export function journalCommitHistogram(): FixedHistogram {
  return new FixedHistogram(`${METRIC_PREFIX}journal_commit_seconds`, 'Round trip of a successful journal commit (the INSERT that makes a batch of changes durable)', LATENCY_BUCKETS_SECONDS);
}

export function registerEngineMetrics(registry: Registry, src: MetricSources, journalCommit?: FixedHistogram): void {
  const p = METRIC_PREFIX;
  const timeoutMs = src.scrapeTimeoutMs ?? SCRAPE_TIMEOUT_MS;
  // Heap, GC pauses by kind, event-loop lag (monitorEventLoopDelay), handles, CPU, memory.
  collectDefaultMetrics({ register: registry, prefix: p });
  let lastElu = performance.eventLoopUtilization();
  gauge(registry, `${p}nodejs_eventloop_utilization_ratio`, 'Share of the time the event loop was busy since the previous scrape', (g) => {
    const now = performance.eventLoopUtilization();
    g.set(performance.eventLoopUtilization(now, lastElu).utilization);
    lastElu = now;
  });

  // ---- the real-time path ----
  // One engine.stats() per scrape serves every family below (it walks the portfolios' mailboxes).
  let statsAt = -Infinity;
  let statsNow = src.engine.stats();
  const stats = (): EngineStats => {
    const now = performance.now();
    if (now - statsAt > 100) {
      statsNow = src.engine.stats();
      statsAt = now;
    }
    return statsNow;
  };
  counter(registry, `${p}ticks_total`, 'Ticks the engine took (accepted or held)', (c) => c.inc(stats().ticks));
  counter(registry, `${p}ticks_refused_total`, 'Ticks refused by the market-data checks (bad price or timestamp)', (c) => c.inc(stats().tickGuard.refused));
  gauge(registry, `${p}ticks_held`, 'Ticks held now by the market-data checks, waiting for confirmation', (g) => g.set(stats().tickGuard.heldNow));
  counter(registry, `${p}orders_total`, 'Order, cancel and replace messages taken over the websocket', (c) => c.inc(src.realtime.ordersIn));
  src.realtime.registerIn(registry);
  counter(registry, `${p}recalculations_total`, 'Portfolio risk recalculations', (c) => c.inc(stats().recalculations));
  counter(registry, `${p}recalculations_coalesced_total`, 'Recalculations requested while one was in flight, merged into the next', (c) => c.inc(stats().coalesced));
  counter(registry, `${p}mailbox_rejections_total`, 'Messages refused because a portfolio mailbox was full (busy)', (c) => c.inc(stats().mailboxRejections));
  gauge(registry, `${p}mailbox_queued_messages`, 'Messages waiting in all portfolio mailboxes', (g) => g.set(stats().mailboxes.queued));
  gauge(registry, `${p}mailbox_max_depth_messages`, 'Messages waiting in the fullest portfolio mailbox', (g) => g.set(stats().mailboxes.max));
  gauge(registry, `${p}portfolios`, 'Portfolios hosted', (g) => g.set(stats().portfolios));
  gauge(registry, `${p}pool_threads`, 'Worker threads of the risk pool', (g) => g.set(stats().pool.threads));
  gauge(registry, `${p}pool_queue_tasks`, 'Recalculation tasks waiting for a pool thread', (g) => g.set(stats().pool.queueSize));
  gauge(registry, `${p}pool_utilization_ratio`, 'Share of the risk pool capacity in use over its life (piscina utilization)', (g) => g.set(stats().pool.utilization));
  counter(registry, `${p}pool_tasks_total`, 'Recalculation batches the pool completed', (c) => c.inc(stats().pool.completedTasks));
  counter(registry, `${p}risk_sweep_restarts_total`, 'Risk workers started again on their shard after one died (the sweep)', (c) => c.inc(stats().pool.sweep?.restarts ?? 0));
  counter(registry, `${p}risk_valuations_failed_total`, 'Portfolio valuations the risk kernel refused (bad inputs; the portfolio keeps its last figures)', (c) => c.inc(stats().pool.sweep?.failed ?? 0));
  const gw = (f: (s: Readonly<GatewayStats>) => number) => f(src.gateway() ?? { connections: 0, conflated: 0, slowConsumerCloses: 0, dropped: 0 });
  gauge(registry, `${p}websocket_connections`, 'Open websocket connections', (g) => g.set(gw((s) => s.connections)));
  counter(registry, `${p}frames_conflated_total`, 'Risk and tick frames replaced by a newer one for a slow consumer', (c) => c.inc(gw((s) => s.conflated)));
  counter(registry, `${p}frames_dropped_total`, 'Frames dropped for slow consumers', (c) => c.inc(gw((s) => s.dropped)));
  counter(registry, `${p}slow_consumer_closes_total`, 'Connections closed because their send backlog grew too large (4008)', (c) => c.inc(gw((s) => s.slowConsumerCloses)));
  gauge(registry, `${p}ready`, 'Whether the engine accepts orders now (GET /readyz): 1 ready, 0 not', (g) => g.set(src.readiness().ready ? 1 : 0));
  const cluster = src.cluster;
  if (cluster) {
    const c = (f: (s: OwnershipStats) => number): number => { const st = cluster(); return st === undefined ? 0 : f(st); };
    counter(registry, `${p}cluster_takeovers_total`, 'Partitions this engine took over (rebuilt from PostgreSQL) since start', (x) => x.inc(c((s) => s.takeovers)));
    counter(registry, `${p}cluster_handoffs_total`, 'Partitions this engine handed over cleanly (rebalance or shutdown)', (x) => x.inc(c((s) => s.handoffs)));
    counter(registry, `${p}cluster_fenced_total`, 'Partitions dropped because a journal commit found them taken by another engine (the commit landed nothing)', (x) => x.inc(c((s) => s.fenced)));
    counter(registry, `${p}cluster_session_losses_total`, 'Ownership sessions lost (each drops every partition until taken again)', (x) => x.inc(c((s) => s.sessionLosses)));
    gauge(registry, `${p}cluster_partitions_owned`, 'Partitions this engine owns now', (g) => g.set(c((s) => s.owned)));
    gauge(registry, `${p}cluster_last_takeover_seconds`, 'The last takeover, from its first lock to the partitions rebuilt', (g) => g.set(c((s) => (s.lastTakeoverMs ?? 0) / 1000)));
  }

  // ---- persistence ----
  const ps = src.persistence;
  if (ps) {
    if (journalCommit) journalCommit.registerIn(registry);
    gauge(registry, `${p}journal_backlog_entries`, 'Journal entries recorded and not yet durable (their clients wait)', (g) => g.set(ps.journal().backlog));
    counter(registry, `${p}journal_commit_failures_total`, 'Journal commits that failed (each is retried)', (c) => c.inc(ps.journal().failures));
    counter(registry, `${p}queue_worker_restarts_total`, 'Restarts of the queue worker thread after it died', (c) => c.inc(ps.queueWorkers().restarts));
    gauge(registry, `${p}queue_workers_running`, 'Whether the queue worker thread runs: 1 running, 0 restarting or stopped', (g) => g.set(ps.queueWorkers().state === 'running' ? 1 : 0));
    const jobs = new Gauge({ name: `${p}queue_jobs`, help: 'Jobs in each queue by state (failed: dead letters)', labelNames: ['queue', 'state'], registers: [registry] });
    const dead = new Gauge({ name: `${p}dead_letters`, help: 'Dead letters: jobs that exhausted their retries or failed validation, per queue', labelNames: ['queue'], registers: [registry] });
    const up = new Gauge({ name: `${p}queue_counts_up`, help: 'Whether the queue counts were read at the last scrape (0: the backend did not answer in time; the values are the last read)', registers: [registry] });
    up.set(0);
    // One read per scrape serves the three gauges: each family's collect waits on the same promise.
    let read: Promise<void> | undefined;
    const readCounts = (): Promise<void> => (read ??= withTimeout(ps.queueCounts(), timeoutMs, 'queue counts timed out').then(
      (counts) => {
        for (const [queue, c] of Object.entries(counts)) {
          for (const [state, n] of Object.entries(c)) jobs.set({ queue, state }, n);
          dead.set({ queue }, c.failed);
        }
        up.set(1);
      },
      () => up.set(0),
    ).finally(() => setImmediate(() => { read = undefined; })));
    for (const g of [jobs, dead, up] as Gauge[]) (g as unknown as { collect: () => Promise<void> }).collect = readCounts;
  }

  // ---- security ----
  labelled(registry, `${p}logins_total`, 'POST /auth/login answers by result (success, mfa_required, failed)', 'result', src.security.logins, ['success', 'mfa_required', 'failed']);
  labelled(registry, `${p}login_failures_total`, 'Failed or refused logins by reason (unknown_email, wrong_password, wrong_mfa_code, locked, disabled)', 'reason', src.security.loginFailures, ['wrong_password']);
  counter(registry, `${p}account_lockouts_total`, 'Accounts locked after repeated login failures', (c) => c.inc(src.security.lockouts));
  counter(registry, `${p}refresh_token_reuses_total`, 'Refresh tokens presented again after rotation (their session is revoked)', (c) => c.inc(src.security.refreshReuses));
  labelled(registry, `${p}mfa_verifications_total`, 'Logins finished with a second factor, by result (success, failed)', 'result', src.security.mfaVerifications, ['success', 'failed']);
  labelled(registry, `${p}rate_limited_total`, 'Requests (rest) and websocket messages refused by a rate limit', 'scope', src.security.rateLimited, ['rest', 'websocket']);
  const refusals = new Counter({
    name: `${p}token_refusals_total`, help: 'Credentials refused, by reason (TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_WRONG_TYPE, SESSION_REVOKED, API_KEY_*)', labelNames: ['reason'], registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(src.tokenRefusals)) this.inc({ reason }, n);
      for (const [reason, n] of src.security.credentialRefusals.byCode) this.inc({ reason }, n);
    },
  });
  void refusals;

  // ---- compliance ----
  new Counter({
    name: `${p}screenings_total`, help: 'Sanctions screenings (customers and counterparties) by decision (clear, review, block)', labelNames: ['decision'], registers: [registry],
    collect() {
      this.reset();
      for (const d of ['clear', 'review', 'block']) this.inc({ decision: d }, src.sanctions.screenings.get(d) ?? 0);
    },
  });
  new Counter({
    name: `${p}aml_alerts_total`, help: 'AML alerts raised since start, by rule and severity', labelNames: ['rule', 'severity'], registers: [registry],
    collect() {
      this.reset();
      for (const a of src.amlAlerts.values()) this.inc({ rule: a.rule, severity: a.severity }, a.n);
    },
  });
  gauge(registry, `${p}sanctions_list_loaded_timestamp_seconds`, 'When the sanctions list in force was read (Unix time); stale when not reloaded', (g) => g.set(src.sanctions.loadedAtMs / 1000));
  const reports = src.persistence?.reports;
  if (reports) {
    new Gauge({
      name: `${p}reports`, help: 'Compliance reports requested in the last 7 days, by type and status (queued, running, done, failed: failed and not since made by a later request)', labelNames: ['type', 'status'], registers: [registry],
      async collect() {
        try {
          const rows = await withTimeout(reports(), timeoutMs, 'report counts timed out');
          this.reset();
          // Every series present, at 0 when none: an alert on failures sees 0, not an absent series.
          for (const type of REPORT_TYPES) for (const status of ['queued', 'running', 'done', 'failed']) this.set({ type, status }, 0);
          for (const r of rows) this.set({ type: r.type, status: r.status }, r.n);
        } catch {
          // The last counts stay; the database's own gauges say it is away.
        }
      },
    });
  }
  const kycUp = new Gauge({ name: `${p}kyc_cases_up`, help: 'Whether the KYC case counts were read at the last scrape', registers: [registry] });
  new Gauge({
    name: `${p}kyc_cases`, help: 'KYC cases by state (the review backlog is the cases awaiting a decision)', labelNames: ['state'], registers: [registry],
    async collect() {
      try {
        const byState = await withTimeout(src.kycCases(), timeoutMs, 'KYC counts timed out');
        for (const [state, n] of Object.entries(byState)) this.set({ state }, n);
        kycUp.set(1);
      } catch {
        kycUp.set(0);
      }
    },
  });
}

function counter(registry: Registry, name: string, help: string, read: (c: Counter) => void): void {
  new Counter({
    name, help, registers: [registry],
    // A total the component keeps already: shown as it is now.
    collect() {
      this.reset();
      read(this);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: (g: Gauge) => void): void {
  new Gauge({ name, help, registers: [registry], collect() { read(this); } });
}

/** A counter by one label from CodeCounts; `always` are shown at 0 before they first happen. */
function labelled(registry: Registry, name: string, help: string, label: string, counts: CodeCounts, always: readonly string[]): void {
  new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect() {
      this.reset();
      for (const v of always) this.inc({ [label]: v }, counts.byCode.get(v) ?? 0);
      for (const [v, n] of counts.byCode) if (!always.includes(v)) this.inc({ [label]: v }, n);
    },
  });
}
