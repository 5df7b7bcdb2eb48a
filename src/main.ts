/**
 * Composition root: builds the risk pool, the engine and the gateway from one validated config
 * and passes them down. Nothing else constructs long-lived services.
 */
import { type AppConfig } from './config.js';
import { createLogger, type LogFn } from './logger.js';
import { Engine } from './engine/runtime/engine.js';
import type { EngineApi } from './engine/runtime/engine-api.js';
import { alignHistories, type PriceHistory } from './engine/market/price-history.js';
import { readPriceFolder } from './price-folder.js';
import { createDemoMarket, demoUnderlyings, type DemoUnderlying } from './engine/market/demo-market.js';
import { demoPortfolios } from './engine/market/demo-portfolios.js';
import { isoDateOf } from './engine/runtime/clock.js';
import type { ScenarioSet } from './engine/risk/realtime-risk.js';
import { scenarioSetFromHistories, syntheticScenarioSet } from './engine/risk/realtime-scenarios.js';
import { realtimeVarEstimator } from './engine/risk/realtime-var-estimator.js';
import { createRiskPool } from './workers/risk-pool/risk-pool.js';
import { loadDashboardSite } from './gateway/dashboard-site.js';
import { packageRoot } from './package-root.js';
import { join } from 'node:path';
import { type Gateway, startGateway } from './gateway/server.js';
import type { AdminOps } from './gateway/route-spec.js';
import { scaleOut, screeningAcrossEngines } from './scale-out.js';
import { singleOwner } from './persistence/cluster/single-owner.js';
import type { OwnershipView } from './persistence/cluster/ownership-port.js';
import { clusterRoutes } from './gateway/cluster-routes.js';
import { endpointOf } from './gateway/cluster/endpoint.js';
import { PromClusterMetrics } from './metrics/cluster-metrics.js';
import type { Readiness } from './gateway/health.js';
import { openPersistence, type Persistence } from './persistence/persistence.js';
import { hostname } from 'node:os';
import { ENGINE_DEFAULTS } from './engine/runtime/engine-defaults.js';
import { closeAll, once } from './close-all.js';
import { settlesWithin } from './settles-within.js';
import { startQueueFeeder } from './persistence/queue-feeder.js';
import { Tokens } from './gateway/tokens.js';
import { AccountService } from './gateway/identity/account-service.js';
import { logAuditSink } from './gateway/identity/log-audit-sink.js';
import { authPublicRoutes, authRoutes } from './gateway/auth-routes.js';
import { wsAdmission } from './gateway/rate-limit.js';
import { openIdentityStores, type IdentityStores } from './persistence/identity-stores.js';
import { pgDataKeys } from './persistence/data-keys.js';
import { memoryDataKeys } from './persistence/memory-data-keys.js';
import { openRateLimitStore } from './persistence/rate-limit-store.js';
import { complianceRoutes } from './gateway/compliance-routes.js';
import { reportRoutes } from './gateway/report-routes.js';
import { GDPR_LEDGER_FILE } from './persistence/gdpr-erasure-ledger.js';
import { pgReportRows } from './persistence/reports/report-rows.js';
import { type ReportScheduler, reportsKeptSince, startReportScheduler } from './persistence/reports/report-scheduler.js';
import { REPORT_DEFINITIONS } from './workers/reports/definitions/index.js';
import type { ReportDefinition, ReportSettings, ReportType } from './workers/reports/report-definition.js';
import { SanctionsThread } from './workers/sanctions/sanctions-thread.js';
import { kycRoutes } from './gateway/kyc-routes.js';
import { gdprRoutes } from './gateway/gdpr-routes.js';
import { withUsageAnalytics } from './gateway/usage-analytics.js';
import { type Gdpr, openGdpr } from './persistence/gdpr-open.js';
import { KycApprovals } from './persistence/kyc-approvals.js';
import { SanctionsBlocks } from './persistence/sanctions-blocks.js';
import { KycService, type KycScreeningResult } from './persistence/kyc-service.js';
import { KycStore } from './persistence/kyc-store.js';
import { PgKycRows } from './persistence/kyc-rows-pg.js';
import { MemoryKycRows } from './persistence/kyc-rows-memory.js';
import { amlAlertRoutes } from './gateway/aml-alert-routes.js';
import { openAmlAlerts } from './persistence/aml-alert-relay.js';
import { serveBackupSocket } from './persistence/backup-embedded.js';
import { packageVersion } from './cli/package-version.js';
import { CounterpartyScreening } from './gateway/counterparty-screening.js';
import { screeningHits } from './screening-hits.js';
import { memoryScreeningAlerts, pgScreeningAlerts } from './persistence/screening-alerts.js';
import { kycScreening } from './persistence/kyc-screening.js';
import { startRescreenSchedule } from './persistence/rescreen-schedule.js';
import { Registry } from 'prom-client';
import { RealtimeMetrics } from './metrics/realtime-metrics.js';
import { SecurityCounters } from './metrics/security-counters.js';
import { journalCommitHistogram, registerEngineMetrics } from './metrics/engine-metrics.js';

export interface DemoOptions {
  readonly portfolios: number;
  readonly underlyings: number;
  /** Ticks per second over all underlyings. */
  readonly tickRate: number;
  readonly seed?: number;
}

export interface StartOptions {
  readonly demo?: DemoOptions;
  readonly log?: LogFn;
}

export interface RunningApp {
  readonly port: number;
  readonly uws: 'native' | 'fallback';
  /** Every route the gateway registered (GET /openapi.json documents each). */
  readonly routes: Gateway['routes'];
  readonly documented: Gateway['documented'];
  readonly engine: EngineApi;
  /** Settles when the engine must stop on its own (another engine took its schema); never rejects. */
  readonly fatal: Promise<Error>;
  close(): Promise<void>;
}

/** Names and vols of the simulated universe: the demo market and the bench trade these. */
export const SIMULATED_UNIVERSE_SIZE = 50;
export const SIMULATED_UNIVERSE_SEED = 7;

/**
 * The day's scenario set for the real-time VaR: historical returns of every `<TICKER>.csv` in
 * PRICES_DIR when configured (500 days up to their last common date), otherwise a seeded synthetic
 * set over the simulated universe (one-factor, each name's own vol). Names outside the set use
 * the set's market proxy (see realtime-risk.ts).
 */
function scenarioSet(config: AppConfig, universe: readonly DemoUnderlying[], log: LogFn): ScenarioSet {
  if (config.pricesDir !== undefined) {
    let histories: ReadonlyMap<string, PriceHistory> = new Map();
    try {
      const folder = readPriceFolder(config.pricesDir);
      histories = folder.histories;
      for (const { file, reason } of folder.skipped) log('warn', 'PRICES_DIR: file skipped', { dir: config.pricesDir, file, reason });
    } catch (e) {
      log('warn', 'PRICES_DIR cannot be read', { dir: config.pricesDir, error: (e as Error).message });
    }
    const tickers = [...histories.keys()];
    const lastCommon = tickers.map((t) => histories.get(t)!.dates.at(-1)!).sort()[0];
    if (lastCommon !== undefined) {
      const aligned = alignHistories(histories, lastCommon, tickers);
      if (aligned.ok) {
        const set = scenarioSetFromHistories(aligned.aligned, tickers);
        if (set.ok) {
          log('info', 'dgv scenarios from price histories', { tickers, asOf: lastCommon });
          return set.value;
        }
      }
    }
    log('warn', 'PRICES_DIR gave no usable histories; using synthetic scenarios', { dir: config.pricesDir });
  }
  const set = syntheticScenarioSet({
    underlyings: universe.map((u) => u.symbol),
    dailyVol: universe.map((u) => u.vol / Math.sqrt(252)),
    correlation: 0.49,
    seed: SIMULATED_UNIVERSE_SEED,
  });
  if (!set.ok) throw new Error(`synthetic scenario set: ${set.message}`);
  return set.value;
}

export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger(config.logLevel).log;
  const universe = demoUnderlyings(Math.max(SIMULATED_UNIVERSE_SIZE, opts.demo?.underlyings ?? 0), SIMULATED_UNIVERSE_SEED);
  const scenarios = scenarioSet(config, universe, log);
  // The sanctions list is read and indexed (in its own thread) before anything opens: without it no
  // name can be screened.
  const sanctions = await SanctionsThread.open(config.sanctionsListDir, config.pepListFile !== undefined ? { pepFile: config.pepListFile } : {});
  log('info', 'sanctions list in force', { dir: config.sanctionsListDir, version: sanctions.version });
  if (sanctions.pepVersion) log('info', 'PEP list in force', { file: config.pepListFile, version: sanctions.pepVersion });
  else log('warn', 'PEP screening off: PEP_LIST_FILE is not set; no customer is found to be a politically exposed person');
  const pool = createRiskPool({
    threads: config.pool.threads, maxBatch: config.pool.maxBatch, tasksPerThread: config.pool.tasksPerThread, priority: config.pool.priority,
    varConfidence: config.pool.varConfidence, scenarios,
  });
  reportPoolPriority(pool, config.pool.priority, log);
  const clock = { nowMs: () => Date.now() };
  const { kycRequired, amlMonitoringEnabled } = config.compliance;
  log('info', 'compliance settings', { ...config.compliance });
  if (!amlMonitoringEnabled) log('warn', 'AML_MONITORING_ENABLED=false: fills are not screened by the AML rules and no AML alert is raised');
  // Metrics (METRICS_ENABLED): one registry for this engine, filled once the gateway listens; the
  // counters below are handed to the components that keep them. Off: nothing is measured.
  const metricsOn = config.metrics.enabled;
  const registry = new Registry();
  const realtime = new RealtimeMetrics();
  const security = new SecurityCounters();
  const journalCommit = journalCommitHistogram();
  let persistence: Persistence | undefined;
  // Partitions a journal commit found taken by another engine go to the ownership (scale-out), once it exists.
  let onFenced: (partitions: readonly number[]) => void = () => {};
  // The compliance reports' settings: the reports' own and the engine's prices and rate.
  const reportSettings: ReportSettings = { ...config.reports.settings, pricesDir: config.pricesDir, riskFreeRate: config.rate };
  let fatal: (err: Error) => void = () => {};
  const fatalError = new Promise<Error>((resolve) => { fatal = resolve; });
  if (config.persistence.mode === 'durable') {
    const p = config.persistence;
    try {
      persistence = await openPersistence({
        ...(p.databaseUrl !== undefined ? { databaseUrl: p.databaseUrl } : {}), schema: p.schema, poolSize: p.poolSize, dataDir: config.dataDir, log,
        ...(p.redisUrl !== undefined ? { redisUrl: p.redisUrl } : {}), queuePrefix: p.queuePrefix, amlLargeNotional: p.amlLargeNotional, amlRules: config.aml, logLevel: config.logLevel,
        amlMonitoring: amlMonitoringEnabled, tracing: config.tracing,
        reports: { settings: reportSettings, masterKeys: config.encryption }, retention: config.retention,
        onWriterLost: (err) => fatal(err),
        clientOrderIdWindowMs: config.clientOrderIdWindowMs, clock,
        engineId: config.cluster.engineId, partitions: config.cluster.partitions, onFenced: (partitions) => onFenced(partitions), scaleOut: true,
        ...(metricsOn ? { journalCommitSeconds: journalCommit.child() } : {}),
      });
    } catch (err) {
      await pool.close();
      await sanctions.close();
      throw err;
    }
  } else {
    log('warn', 'PERSISTENCE=memory: nothing is stored; a restart forgets every order, fill and portfolio');
  }
  // The customers whose KYC is approved, as the pre-trade check (KYC_REQUIRED) asks it synchronously:
  // made here, before the engine, so that the engine can be given it; filled below once the KYC
  // service can read the store, before the gateway takes any order (empty means nobody is approved:
  // owned portfolios are reduce-only).
  const kycApprovals = new KycApprovals();
  // The customers a screening blocked: a portfolio opened for one starts halted (reason SANCTIONS).
  // Filled below with the KYC cases that block, and by every block found while running.
  const sanctionsBlocks = new SanctionsBlocks();
  const engine = new Engine({
    calculator: pool,
    clock,
    rate: config.rate,
    mailboxCapacity: config.mailboxCapacity,
    maxBatch: config.pool.maxBatch,
    marginRefreshMs: config.marginRefreshMs,
    tickGuard: config.tickGuard,
    log,
    defer: (fn) => setImmediate(fn),
    // The pre-trade VaR limit checks the VaR the risk stream shows: same scenarios, same confidence.
    varEstimator: realtimeVarEstimator(scenarios, pool.varConfidence),
    clientOrderIdWindowMs: config.clientOrderIdWindowMs,
    leverage: config.leverage,
    ...(kycRequired ? { kycGate: kycApprovals } : {}),
    blockedOwners: sanctionsBlocks,
    ...(persistence ? { journal: persistence.journal, restore: persistence.restored, history: persistence.history, orderArchive: persistence.archive } : {}),
  });
  // Scale-out (docs/SCALE-OUT.md): on a PostgreSQL server this engine is one of any number, owning
  // the partitions it takes; the embedded database and memory mode are one engine owning all.
  const clusterMetrics = metricsOn ? new PromClusterMetrics() : undefined;
  const cluster = persistence?.db.kind === 'external'
    ? scaleOut({
        settings: config.cluster, persistence, engine: () => engine, clientOrderIdWindowMs: config.clientOrderIdWindowMs,
        historyLimit: ENGINE_DEFAULTS.historyLimit, clock, log, ...(clusterMetrics ? { metrics: clusterMetrics } : {}), blocks: sanctionsBlocks,
      })
    : undefined;
  if (cluster) onFenced = (partitions) => cluster.view.fenced(partitions);
  const ownershipView = cluster?.view ?? singleOwner(config.cluster.engineId, config.cluster.partitions);
  // Identity: one token service for the gateway and the accounts, stores beside the engine's data.
  const tokens = new Tokens(config.jwt);
  config.jwt.keys.onProblem = (problems) => log('warn', 'signing keys: the directory was re-read with problems; the last good keys stay in force', { problems });
  const durable = config.persistence.mode === 'durable' ? config.persistence : undefined;
  let identity: IdentityStores;
  try {
    identity = await openIdentityStores({
      ...(persistence ? { db: persistence.db } : {}),
      ...(durable?.redisUrl !== undefined ? { redisUrl: durable.redisUrl, redisPrefix: durable.queuePrefix } : {}),
      log,
    });
  } catch (err) {
    await engine.close().catch(() => {});
    await persistence?.close().catch(() => {});
    await sanctions.close().catch(() => {});
    throw err;
  }
  const audit = persistence?.audit ?? logAuditSink(log);
  const dataKeys = persistence ? pgDataKeys(persistence.db.pool, config.encryption, { audit }) : memoryDataKeys(config.encryption, { audit });
  const accounts = new AccountService(
    { identity: identity.identity, sessions: identity.sessions, tokens, dataKeys, audit: metricsOn ? security.audit(audit) : audit, clock: () => clock.nowMs() },
    {
      accessTokenMinutes: config.accessTokenExpireMinutes, refreshTokenDays: config.refreshTokenExpireDays,
      ...(config.bootstrapAdminEmail !== undefined ? { bootstrapAdminEmail: config.bootstrapAdminEmail } : {}),
    },
  );
  const bootstrap = await accounts.ensureBootstrapAdmin().catch((err: unknown) => {
    log('error', 'BOOTSTRAP_ADMIN_EMAIL: could not grant admin', { error: err instanceof Error ? err.message : String(err) });
    return 'failed' as const;
  });
  if (bootstrap === 'granted') log('warn', 'BOOTSTRAP_ADMIN_EMAIL: admin on every portfolio granted (audited); remove the setting once your admins are set', { email: config.bootstrapAdminEmail });
  if (bootstrap === 'absent') log('warn', 'BOOTSTRAP_ADMIN_EMAIL: no account with this email yet; register it, then restart the engine', { email: config.bootstrapAdminEmail });
  // A screening hit (KYC submission, the schedule, an order's counterparty) raises its alerts for the
  // officers and, on a sanctions block, halts the customer's trading (reason SANCTIONS).
  const screeningEnabled = config.compliance.sanctionsScreeningEnabled;
  if (!screeningEnabled) log('warn', 'SANCTIONS_SCREENING_ENABLED=false: no customer or counterparty is screened; KYC cases are recorded not_screened');
  // With several engines a customer's portfolios are spread over them: the halt and the block reach
  // every engine through the cluster router (docs/SCALE-OUT.md, "Customers across engines").
  const hits = screeningHits({
    ...(cluster ? screeningAcrossEngines(cluster.router, engine) : { engine, blocks: sanctionsBlocks }),
    alerts: persistence ? pgScreeningAlerts(persistence.db.pool) : memoryScreeningAlerts(), log,
  });
  // KYC cases beside the accounts: sealed with the same per-user data keys, audited to the same chain.
  const kycStore = new KycStore(persistence ? new PgKycRows(persistence.db.pool) : new MemoryKycRows(), dataKeys);
  const kyc = new KycService({
    store: kycStore,
    audit, clock: () => clock.nowMs(), onStateChanged: kycApprovals.record,
    ...(screeningEnabled ? { screening: kycScreening(sanctions), onScreeningHit: (userId: string, r: KycScreeningResult, trigger: 'kyc' | 'rescreen') => hits.onKycHit(userId, r, trigger) } : {}),
  });
  // GDPR: consents, export, erasure; the erasure ledger (outside the database) re-applied before serving.
  let gdpr: Gdpr;
  try {
    gdpr = await openGdpr({
      ...(persistence ? { pool: persistence.db.pool, ledgerPath: join(config.dataDir, GDPR_LEDGER_FILE) } : {}),
      identity: identity.identity, sessions: identity.sessions, dataKeys, kyc: kycStore, audit, clock: () => clock.nowMs(), log,
    });
    kycApprovals.load(await kyc.approvedUserIds());
    sanctionsBlocks.load(await kyc.sanctionsBlockedUserIds());
  } catch (err) {
    await identity.close().catch(() => {});
    await engine.close().catch(() => {});
    await persistence?.close().catch(() => {});
    await sanctions.close().catch(() => {});
    throw err;
  }
  log('info', 'KYC approvals loaded', { approved: kycApprovals.size, sanctionsBlocked: sanctionsBlocks.size });
  const rateStore = openRateLimitStore({
    ...(durable?.redisUrl !== undefined ? { redisUrl: durable.redisUrl } : {}),
    ...(persistence ? { db: persistence.db } : {}),
    prefix: durable?.queuePrefix ?? 'risk-engine', log,
  });
  // AML alerts: the officers' routes, and the live channel fed by the database's NOTIFY (without
  // persistence no AML queue runs: the routes answer AML_UNAVAILABLE and the channel is quiet).
  const aml = persistence ? await openAmlAlerts(persistence.db, log) : undefined;
  // The embedded database's files are this process's: `risk-engine backup` asks it for a copy on
  // a socket beside the database's own (backup-embedded.ts). Without it the engine still serves;
  // only backups while it runs are lost, and said so.
  const backupSocket = persistence?.db.kind === 'embedded'
    ? await serveBackupSocket(persistence.db, { engineVersion: packageVersion(), log }).catch((err: Error) => {
      log('warn', 'backups of the running engine are unavailable: the backup socket did not open', { error: err.message });
      return undefined;
    })
    : undefined;
  // The dashboard's page and assets as `npm run build` left them (dist/dashboard), read once.
  const dashboardDir = join(packageRoot(), 'dist', 'dashboard');
  const dashboard = loadDashboardSite(dashboardDir, { secureWebsocket: config.tls !== undefined || config.tlsTerminatedByProxy });
  if (dashboard.index === undefined) log('warn', 'the dashboard is not built: GET /dashboard answers 503 until `npm run build`', { dir: dashboardDir });
  // AML alerts raised, by rule and severity (risk_engine_aml_alerts_total): counted as the relay tells them.
  const amlAlerts = new Map<string, { readonly rule: string; readonly severity: string; n: number }>();
  const unAmlCount = metricsOn && aml ? aml.relay.onAlert((a) => {
    const key = `${a.rule}\u0000${a.severity}`;
    const c = amlAlerts.get(key);
    if (c) c.n += 1;
    else amlAlerts.set(key, { rule: a.rule, severity: a.severity, n: 1 });
  }) : () => {};
  const counterparties = new CounterpartyScreening({ screener: sanctions, enabled: screeningEnabled, log, onHit: hits.onCounterpartyHit });
  // Tracing on: REST requests get server spans (the SDK itself was started by bin/risk-engine.js,
  // before pg and ioredis loaded). Loaded only then, so an engine with tracing off loads none of it.
  const tracer = config.tracing.enabled ? (await import('./tracing/rest-spans.js')).restTracer() : undefined;
  const gateway = await startGateway(engine, {
    ...(tracer ? { tracer } : {}),
    ...(cluster ? { cluster: cluster.router } : {}),
    counterparties,
    host: config.host,
    port: config.port,
    jwt: tokens,
    apiKeys: metricsOn ? security.apiKeys(accounts) : accounts,
    revocations: metricsOn ? security.revocations(identity.sessions) : identity.sessions,
    publicRoutes: authPublicRoutes(accounts, metricsOn ? security : undefined),
    routes: withUsageAnalytics([
      ...authRoutes(accounts), ...clusterRoutes(() => ownershipView), ...complianceRoutes(sanctions, audit), ...kycRoutes(kyc), ...gdprRoutes(gdpr.service, gdpr.consents),
      ...reportRoutes({
        ...(persistence ? { rows: pgReportRows(persistence.db.pool), enqueue: (reportId: string) => persistence.queues.requestReport({ kind: 'compliance_report', reportId }) } : {}),
        definitions: REPORT_DEFINITIONS, enabled: { rts22: config.reports.mifidReporting, privilegedChanges: config.reports.soxCompliance }, audit, clock: () => clock.nowMs(),
      }),
      ...amlAlertRoutes({ ...(aml ? { store: aml } : {}), audit, kycMetrics: () => kyc.metrics() }),
    ], gdpr.analytics),
    ...(aml ? { alerts: aml.relay } : {}),
    rateLimits: { limiter: metricsOn ? security.restLimiter(rateStore.limiter) : rateStore.limiter, policies: config.rateLimits },
    admission: metricsOn ? security.wsAdmission(wsAdmission(config.rateLimits)) : wsAdmission(config.rateLimits),
    ...(metricsOn ? { metrics: { registry, realtime, ...(config.metrics.token !== undefined ? { token: config.metrics.token } : {}) } } : {}),
    maxFrameBytes: config.maxFrameBytes,
    maxBodyBytes: config.maxBodyBytes,
    connections: { total: config.websocket.maxConnections, perIp: config.websocket.maxConnectionsPerIp, unauthenticated: config.websocket.maxUnauthenticated },
    maxSubscriptions: config.websocket.maxSubscriptions,
    maxSessionAgeMs: config.websocket.maxSessionAgeMs,
    allowQueryToken: config.websocket.allowQueryToken,
    corsOrigins: config.corsOrigins,
    dashboard,
    log,
    ...(persistence ? { persistenceHealth: persistence.health, readiness: () => readiness(persistence.health(), ownershipView), admin: adminOps(persistence) } : {}),
    ...(config.tls ? { tls: config.tls } : {}),
    // Behind a declared TLS proxy the clients' connection is HTTPS too, so HSTS is right there as well.
    hsts: config.tls !== undefined || config.tlsTerminatedByProxy,
  }).catch(async (err: unknown) => {
    // The port is taken, say: what was opened closes, so the process can exit and report it.
    unAmlCount();
    await backupSocket?.close().catch(() => {});
    await aml?.relay.close().catch(() => {});
    await rateStore.close().catch(() => {});
    await sanctions.close().catch(() => {});
    await identity.close().catch(() => {});
    await engine.close().catch(() => {});
    await persistence?.close().catch(() => {});
    throw err;
  });
  if (metricsOn) {
    registerEngineMetrics(registry, {
      engine, gateway: () => gateway.stats, realtime, security, tokenRefusals: tokens.refusals, sanctions, amlAlerts,
      readiness: () => (persistence ? readiness(persistence.health(), ownershipView) : { ready: true, components: {} }),
      ...(cluster ? { cluster: () => cluster.stats() } : {}),
      kycCases: async () => (await kyc.metrics()).byState,
      ...(persistence ? {
        persistence: {
          journal: () => persistence.journal.stats(),
          queueWorkers: () => persistence.health().queueWorkers,
          queueCounts: () => persistence.queues.counts(),
          reports: () => pgReportRows(persistence.db.pool).recentCounts(clock.nowMs() - 7 * 86_400_000),
        },
      } : {}),
    }, journalCommit);
  }
  if (metricsOn && clusterMetrics) clusterMetrics.registerIn(registry);
  log(gateway.uws === 'native' ? 'info' : 'warn', `uWebSockets.js ${gateway.uws} server listening`, { host: config.host, port: gateway.port, uws: gateway.uws, tls: gateway.tls });
  if (cluster) {
    // Where the other engines reach this one: CLUSTER_ENDPOINT, or the address it listens on.
    const host = config.host === '0.0.0.0' || config.host === '::' ? hostname() : config.host;
    const endpoint = config.cluster.endpoint ?? endpointOf(host, gateway.port, gateway.tls);
    try {
      await cluster.start(endpoint);
    } catch (err) {
      // Refused (ENGINE_ID_IN_USE, PARTITIONS_MISMATCH) or no server: what was opened closes.
      await closeAll([
        ['gateway', () => gateway.close()], ['scale-out', () => cluster.close()], ['aml alerts', () => aml?.relay.close()],
        ['rate limits', () => rateStore.close()], ['sanctions', () => sanctions.close()], ['identity stores', () => identity.close()],
        ['engine', () => engine.close()], ['persistence', () => persistence?.close()],
      ]).catch(() => {});
      throw err;
    }
    log('info', 'scale-out: this engine takes its share of the partitions', { engineId: config.cluster.engineId, endpoint, partitions: config.cluster.partitions });
  }

  const feeder = persistence && config.persistence.mode === 'durable'
    ? startQueueFeeder({
        engine, queues: persistence.queues, log, clock, riskSnapshotMs: config.persistence.riskSnapshotMs,
        marketSnapshotMs: config.persistence.marketSnapshotMs, reportMinuteUtc: config.persistence.reportMinuteUtc, amlFills: amlMonitoringEnabled,
      })
    : undefined;

  // The compliance reports of each business day, and a start's catch-up of the days it missed.
  const reportScheduler = persistence ? await startScheduledReports(persistence, config, log, clock) : undefined;

  // Every customer re-screened when their risk level says (docs/KYC.md), found due every interval.
  const rescreening = screeningEnabled ? startRescreenSchedule({ kyc, log, intervalMs: config.kycRescreenIntervalMs }) : undefined;

  let stopDemo = (): void => {};
  if (opts.demo) stopDemo = runDemo(engine, opts.demo, clock, log);

  return {
    port: gateway.port,
    uws: gateway.uws,
    routes: gateway.routes,
    documented: gateway.documented,
    engine,
    fatal: fatalError,
    // What was changed is committed (bounded: a database that is gone must not hang the
    // shutdown), its fills queued for screening, then everything stops; each step runs even when
    // one before it failed.
    close: once(() => closeAll([
      ['demo', stopDemo],
      // Partitions handed over first, while the link still forwards this engine's clients' messages.
      ['scale-out', () => cluster?.close()],
      ['gateway', () => gateway.close()],
      ['backup socket', () => backupSocket?.close()],
      ['aml alert counts', unAmlCount],
      ['aml alerts', () => aml?.relay.close()],
      ['kyc re-screening', () => rescreening?.stop()],
      ['rate limits', () => rateStore.close()],
      ['sanctions', () => sanctions.close()],
      ['identity stores', () => identity.close()],
      ['journal', () => (persistence ? settlesWithin(persistence.journal.flush(), 10_000) : undefined)],
      ['queue feeder', () => (feeder ? settlesWithin(feeder.stop(), 5000) : undefined)],
      ['report scheduler', () => reportScheduler?.stop()],
      ['engine', () => engine.close()],
      ['persistence', () => persistence?.close()],
    ])),
  };
}

/**
 * The scheduled reports (docs/REPORTS.md "Schedule"): daily risk, capital and large positions each
 * business day, the privileged-change audit with SOX_COMPLIANCE_ENABLED, the RTS 22 report with
 * MIFID_II_REPORTING_ENABLED, and the retention run. The first pass (the catch-up) runs now; a
 * failure there is logged and retried by the next pass, not fatal: the engine serves without it.
 */
async function startScheduledReports(persistence: Persistence, config: AppConfig, log: LogFn, clock: { nowMs(): number }): Promise<ReportScheduler> {
  const types: ReportType[] = ['large-positions'];
  if (config.pricesDir !== undefined) types.push('daily-risk', 'capital');
  else log('warn', 'PRICES_DIR is not set: the daily risk and capital reports are not scheduled (they need price histories)');
  if (config.reports.soxCompliance) types.push('privileged-changes');
  if (config.reports.mifidReporting) types.push('rts22');
  const scheduled = new Map(types.map((t) => [t, REPORT_DEFINITIONS.get(t) as ReportDefinition<unknown>]));
  const rows = pgReportRows(persistence.db.pool);
  const notBefore = await reportsKeptSince(persistence.db.pool);
  const scheduler = startReportScheduler({
    rows, requestReport: (job) => persistence.queues.requestReport(job), scheduled, retention: true,
    minuteUtc: config.persistence.mode === 'durable' ? config.persistence.reportMinuteUtc : 0, catchUpDays: config.reports.catchUpDays, notBefore,
    now: () => clock.nowMs(), log,
  });
  await scheduler.tick().catch((err: unknown) => log('warn', 'scheduled reports: the catch-up failed; the next pass retries', { error: err instanceof Error ? err.message : String(err) }));
  return scheduler;
}

/** Sample portfolios and a simulated market feeding ticks in-process, so risk streams at once. */
function runDemo(engine: EngineApi, demo: DemoOptions, clock: { nowMs(): number }, log: LogFn): () => void {
  const seed = demo.seed ?? 1;
  const underlyings = demoUnderlyings(demo.underlyings, SIMULATED_UNIVERSE_SEED);
  const books = demoPortfolios({ portfolios: demo.portfolios, optionsPerPortfolio: 20, underlyings, asOf: isoDateOf(clock.nowMs()), seed });
  const market = createDemoMarket({ underlyings, seed, timeScale: 2000 });
  const symbols = market.symbols;
  // Prices first, so that the sample positions are booked at the market and their P&L starts at 0.
  for (const [i, p] of market.prices().entries()) engine.tick(symbols[i]!, p, clock.nowMs());
  for (const b of books) {
    if (engine.getPortfolio(b.portfolioId) !== undefined) continue; // rebuilt from the database
    void engine.createPortfolio(b, 'demo').then((r) => {
      if (!r.ok) log('warn', 'demo portfolio refused', { portfolioId: b.portfolioId, code: r.code, message: r.message });
    });
  }
  // Ticks are spread over the underlyings round-robin at the requested total rate.
  const periodMs = 10;
  const perPeriod = Math.max(1, Math.round((demo.tickRate * periodMs) / 1000));
  let cursor = 0;
  let last = clock.nowMs();
  const timer = setInterval(() => {
    const now = clock.nowMs();
    const prices = market.next(now - last);
    last = now;
    for (let k = 0; k < perPeriod; k++) {
      const i = cursor++ % symbols.length;
      engine.tick(symbols[i]!, prices[i]!, clock.nowMs());
    }
  }, periodMs);
  log('info', 'demo running', { portfolios: books.length, underlyings: underlyings.length, tickRate: demo.tickRate });
  return () => clearInterval(timer);
}

/**
 * Says once, when every worker has set its scheduling (they do at start), whether the workers got
 * SCHED_IDLE: without it they compete with the event loop for the cores and order latency suffers.
 */
function reportPoolPriority(pool: ReturnType<typeof createRiskPool>, requested: 'idle' | 'low' | 'normal', log: LogFn): void {
  if (requested !== 'idle') return;
  const started = Date.now();
  const timer = setInterval(() => {
    const { threads, priority } = pool.stats();
    const reported = priority.schedIdle + priority.schedIdleFailed;
    if (reported < threads && Date.now() - started < 30_000) return;
    clearInterval(timer);
    if (priority.schedIdleFailed > 0 || reported < threads) {
      log('warn', 'risk workers did not all get SCHED_IDLE; they compete with the gateway for CPU (RISK_POOL_PRIORITY)', { threads, ...priority });
    } else {
      log('info', 'risk workers run under SCHED_IDLE', { threads });
    }
  }, 100);
  timer.unref();
}

/**
 * GET /readyz: orders are accepted when the journal's last commit went through (the database
 * answers), this engine holds its schema's writer lock, it owns its share of the partitions (or
 * handed them off cleanly), and the queue workers run.
 */
function readiness(h: ReturnType<Persistence['health']>, ownership: OwnershipView): Readiness {
  const components: Record<string, string> = {
    partitions: ownership.ready() ? 'ok' : 'taking its share',
    database: h.writerLock === undefined || h.writerLock === 'held' ? 'ok' : `writer lock ${h.writerLock}`,
    journal: h.journal.lastError === undefined ? 'ok' : 'commits failing',
    queues: h.queueWorkers.state === 'running' ? 'ok' : h.queueWorkers.state,
  };
  return { ready: Object.values(components).every((v) => v === 'ok'), components };
}

/** The dead letters of the queues, as the admin routes see them. */
function adminOps(p: Persistence): AdminOps {
  return {
    listDeadLetters: (limit) => p.queues.listDeadLetters(limit),
    replayDeadLetter: (id, actor, data) => p.queues.replayDeadLetter(id, { actor, audit: p.audit, ...(data === undefined ? {} : { data }) }),
  };
}
