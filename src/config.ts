/**
 * Configuration: parsed from the environment once, at start, with a zod schema. Every bad field is
 * listed in one error; the result is frozen and passed down (no module reads process.env itself).
 * A setting of a component takes its default from that component's defaults object (RISK_POOL_DEFAULTS,
 * GATEWAY_DEFAULTS, ...): this file only maps environment names onto them (test/config/defaults.test.ts).
 */
import type { LogLevel } from './engine/log.js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from './engine/cluster/partitions.js';
import { CLUSTER_DEFAULTS } from './persistence/cluster/cluster-defaults.js';
import { CLIENT_ORDER_IDS_DEFAULTS } from './engine/actors/client-order-ids.js';
import { LEVERAGE_POLICY_DEFAULTS, MAX_CONFIGURABLE_LEVERAGE, type LeveragePolicy } from './engine/limits/risk-limits.js';
import { TICK_GUARD_DEFAULTS } from './engine/market/tick-guard.js';
import { ENGINE_DEFAULTS } from './engine/runtime/engine-defaults.js';
import { SIGNING_KEYS_DEFAULTS, SigningKeyError, SigningKeyRing } from './gateway/signing-keys.js';
import { JWT_DEFAULTS } from './gateway/tokens.js';
import { CONNECTION_CAPS_DEFAULTS } from './gateway/connection-limits.js';
import { GATEWAY_DEFAULTS } from './gateway/gateway-defaults.js';
import { RATE_LIMIT_DEFAULTS, type RatePolicies, type RateSpec } from './gateway/rate-limit.js';
import { DATABASE_DEFAULTS } from './persistence/database.js';
import type { KeyWithId } from './persistence/field-crypto.js';
import { devMasterKey, MASTER_KEY_FORMAT, type MasterKeys, parseMasterKey } from './persistence/master-keys.js';
import { pepListFile } from './persistence/pep-list.js';
import { RESCREEN_SCHEDULE_DEFAULTS } from './persistence/rescreen-schedule.js';
import { sanctionsListDir } from './persistence/sanctions-list.js';
import { QUEUE_FEEDER_DEFAULTS } from './persistence/queue-feeder.js';
import { QUEUE_DEFAULTS } from './persistence/queue-options.js';
import { AML_DEFAULTS } from './workers/queue-jobs/aml-large-notional.js';
import { AML_RULE_DEFAULTS, type AmlRuleParams } from './engine/compliance/aml/rule-defaults.js';
import { RISK_POOL_DEFAULTS } from './workers/risk-pool/risk-pool-options.js';
import { TRACING_ENV, tracingFromParsed, type TracingSettings } from './tracing/tracing-settings.js';
import { type ReportsConfig, reportsConfig } from './reports-config.js';
import { RetentionEnv, type RetentionPeriods, retentionPeriodsFromEnv } from './engine/compliance/retention-policy.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = (on: boolean) => z.enum(['true', 'false'], { message: 'true or false' }).default(on ? 'true' : 'false');

/**
 * Whether a URL parses and its user and password decode: every client of it (pg, pg_dump's
 * PGPASSWORD) decodes them, and a stray `%` would otherwise fail there, far from the setting.
 */
function percentEncodedUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
    return true;
  } catch {
    return false;
  }
}
/**
 * A switch whose default depends on NODE_ENV (resolved in loadConfig): true, false, 1 or 0;
 * unset stays undefined here so that production can default it on.
 */
const envFlag = z.enum(['true', 'false', '1', '0'], { message: 'true, false, 1 or 0' }).transform((v) => v === 'true' || v === '1').optional();
/** A token bucket as `burst:perSecond` (e.g. `10:1`: ten at once, then one a second). */
const rateSpec = (d: RateSpec) =>
  z
    .string()
    .default(`${d.burst}:${d.perSecond}`)
    .pipe(z.string().regex(/^\d{1,9}:\d{1,9}(\.\d{1,6})?$/, 'burst:perSecond, e.g. 10:1 (ten at once, then one a second)'))
    .transform((v) => ({ burst: Number(v.split(':')[0]), perSecond: Number(v.split(':')[1]) }))
    .pipe(z.object({ burst: z.number().int().min(1, 'burst must be at least 1'), perSecond: z.number().positive('perSecond must be above 0') }));
/** Comma-separated ISO 3166-1 alpha-2 country codes (any case), or `none` for an empty list. */
const countryList = (d: readonly string[]) =>
  z
    .string()
    .default(d.length > 0 ? d.join(',') : 'none')
    .transform((v) => (v.trim().toLowerCase() === 'none' ? [] : v.split(',').map((x) => x.trim().toUpperCase()).filter((x) => x !== '')))
    .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 codes, comma-separated (e.g. IR,KP), or none')));
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Minutes of the UTC day as HH:MM. */
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A master key (master-keys.ts says the format); the message never repeats the key. */
const masterKey = z.string().transform((v, ctx) => {
  const p = parseMasterKey(v);
  if (!p.ok) {
    ctx.addIssue({ code: 'custom', message: p.problem });
    return z.NEVER;
  }
  return p.key;
});

/** Comma-separated master keys; a bad one is named by its position, not its value. */
const masterKeyList = z.string().transform((v, ctx) => {
  const keys: KeyWithId[] = [];
  for (const [i, text] of v.split(',').map((x) => x.trim()).filter((x) => x !== '').entries()) {
    const p = parseMasterKey(text);
    if (p.ok) keys.push(p.key);
    else ctx.addIssue({ code: 'custom', message: `key ${i + 1}: ${p.problem}` });
  }
  return keys;
});

const EnvSchema = z.object({
  PORT: int(0, 65535).default(GATEWAY_DEFAULTS.port),
  /** Loopback by default: exposing the engine is a deliberate choice (HOST=0.0.0.0). */
  HOST: z.string().min(1).default(GATEWAY_DEFAULTS.host),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * Directory of the Ed25519 keys that sign the engine's tokens (one <kid>.pem each; src/gateway/signing-keys.ts).
   * Default <DATA_DIR>/signing-keys; in development a missing or empty one gets a fresh key, production refuses it.
   */
  SIGNING_KEYS_DIR: z.string().min(1).optional(),
  /** How often the signing-key directory is re-read, seconds; a new key signs once its file is this old. */
  SIGNING_KEYS_REFRESH_S: int(1, 3600).default(SIGNING_KEYS_DEFAULTS.refreshMs / 1000),
  /** Lifetime of an access token issued at login or refresh, minutes. */
  ACCESS_TOKEN_EXPIRE_MINUTES: int(1, 24 * 60).default(30),
  /** Lifetime of a refresh token (and so of a login session without activity), days. */
  REFRESH_TOKEN_EXPIRE_DAYS: int(1, 365).default(7),
  /** The account that holds admin on every portfolio once the engine starts with this set (the first admin). */
  BOOTSTRAP_ADMIN_EMAIL: z.email().max(320).optional(),
  RISK_ENGINE_JWT_ISSUER: z.string().min(1).default(JWT_DEFAULTS.issuer),
  RISK_ENGINE_JWT_AUDIENCE: z.string().min(1).default(JWT_DEFAULTS.audience),
  /**
   * The master key that wraps every user's data key (field encryption), 32 bytes as base64 or hex.
   * Without it a development key is kept in DATA_DIR; production refuses that.
   */
  ENCRYPTION_KEY: masterKey.optional(),
  /** Older master keys (comma-separated), still unwrapping data keys until `risk-engine keys rotate` re-wrapped them. */
  ENCRYPTION_KEY_PREVIOUS: masterKeyList.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Compliance switches (README: on by default in production). KYC_REQUIRED: an owned portfolio
   * whose owner has no approved KYC takes only reducing orders (KYC_REQUIRED); default on in
   * production, off elsewhere (a development engine has no reviewed customers).
   */
  KYC_REQUIRED: envFlag,
  /** Screening of customers and counterparties against the sanctions list (read by the composition root); default on. */
  SANCTIONS_SCREENING_ENABLED: envFlag,
  /** The aml queue's rules raise alerts on fills; default on. Off: fills are not queued for AML at all. */
  AML_MONITORING_ENABLED: envFlag,
  /** The MiFIR RTS 22 transaction report (docs/REPORTS.md); default on in production, which then needs FIRM_LEI and TRADING_VENUE_MIC. */
  MIFID_II_REPORTING_ENABLED: envFlag,
  /** The SOX privileged-change report and its daily schedule; default on in production. */
  SOX_COMPLIANCE_ENABLED: envFlag,
  /** The reporting firm's LEI (ISO 17442, 20 characters with its mod-97 check digits). */
  FIRM_LEI: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{18}[0-9]{2}$/, '20 characters: 18 letters or digits and 2 check digits (ISO 17442)').optional(),
  /** ISO 3166-1 alpha-2 country of the firm's branch (RTS 22 fields 8, 17, 58, 60). */
  FIRM_COUNTRY: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'two letters (ISO 3166-1 alpha-2)').optional(),
  /** MIC (ISO 10383) of the venue the engine's executions are reported on in RTS 22. */
  TRADING_VENUE_MIC: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{4}$/, 'four letters or digits (ISO 10383 MIC)').optional(),
  /** Underlyings' ISINs for the reports: `SPY=US78462F1030,AAPL=US0378331005` (check digits verified at start). */
  UNDERLYING_ISINS: z.string().optional(),
  /** FINRA 2360 large options position threshold: contracts on the same side of the market in one underlying. */
  LARGE_POSITION_CONTRACTS: z.coerce.number().int().positive().max(1e9).default(200),
  /** Business days back that the start-up catch-up looks for scheduled reports that never ran. */
  REPORT_CATCH_UP_DAYS: z.coerce.number().int().min(0).max(366).default(10),
  /** The retention policy's periods (docs/GDPR.md "Retention"), each in days, at least the legal minimum. */
  ...RetentionEnv.shape,
  /** The OFAC SDN list's folder (four CSV files); default the copy shipped in the package's data/ofac. */
  SANCTIONS_LIST_DIR: z.string().min(1).optional(),
  /** The PEP list file (CSV, docs/COMPLIANCE.md "PEP screening"); unset: no PEP screening (logged at start). */
  PEP_LIST_FILE: z.string().min(1).optional(),
  /** How often the KYC cases due for re-screening are looked for (each case's due time comes from its risk level). */
  KYC_RESCREEN_INTERVAL_S: int(10, 7 * 86_400).default(RESCREEN_SCHEDULE_DEFAULTS.intervalMs / 1000),
  /** Worker threads of the risk pool; default: one per core. */
  RISK_POOL_THREADS: int(1, 64).optional(),
  /** Portfolios per pool task. */
  RISK_POOL_MAX_BATCH: int(1, 4096).default(RISK_POOL_DEFAULTS.maxBatch),
  /** Tasks posted to one worker before its previous one finishes (risk-pool-options.ts says why 1). */
  RISK_POOL_TASKS_PER_THREAD: int(1, 16).default(RISK_POOL_DEFAULTS.tasksPerThread),
  /**
   * Scheduling of the pool's worker threads. `idle` (Linux SCHED_IDLE): they run only on CPU time
   * nothing else wants, so a woken gateway thread or client never waits behind a recalculation;
   * `low`: nice 19; `normal`: as the gateway.
   */
  RISK_POOL_PRIORITY: z.enum(['idle', 'low', 'normal']).default(RISK_POOL_DEFAULTS.priority),
  /** Confidence of the live VaR (the risk stream's and the pre-trade VaR limit's); the live ES keeps its own (97.5%). */
  VAR_CONFIDENCE_LEVEL: z.coerce.number().min(0.5, 'must be at least 0.5').lt(1, 'must be below 1').default(RISK_POOL_DEFAULTS.varConfidence),
  /** The leverage limit a new portfolio gets unless it names its own; at most MAX_LEVERAGE_LIMIT. */
  DEFAULT_LEVERAGE_LIMIT: z.coerce.number().positive().max(MAX_CONFIGURABLE_LEVERAGE).default(LEVERAGE_POLICY_DEFAULTS.defaultLimit),
  /** The highest leverage limit anyone may set (a higher one is refused with INVALID_LIMITS). */
  MAX_LEVERAGE_LIMIT: z.coerce.number().positive().max(MAX_CONFIGURABLE_LEVERAGE).default(LEVERAGE_POLICY_DEFAULTS.maxLimit),
  /** Messages a portfolio's mailbox holds before senders get `busy`. */
  MAILBOX_CAPACITY: int(1, 1_000_000).default(ENGINE_DEFAULTS.mailboxCapacity),
  /** SPAN margin grid refresh per portfolio, ms (slower cadence than Greeks and dgv VaR). */
  MARGIN_REFRESH_MS: int(0, 3_600_000).default(ENGINE_DEFAULTS.marginRefreshMs),
  MAX_FRAME_BYTES: int(256, 16 * 1024 * 1024).default(GATEWAY_DEFAULTS.maxFrameBytes),
  MAX_BODY_BYTES: int(256, 64 * 1024 * 1024).default(GATEWAY_DEFAULTS.maxBodyBytes),
  /** Websocket connections in all; per remote address; and waiting to authenticate. */
  WS_MAX_CONNECTIONS: int(1, 1_000_000).default(CONNECTION_CAPS_DEFAULTS.total),
  WS_MAX_CONNECTIONS_PER_IP: int(1, 1_000_000).default(CONNECTION_CAPS_DEFAULTS.perIp),
  WS_MAX_UNAUTHENTICATED: int(1, 1_000_000).default(CONNECTION_CAPS_DEFAULTS.unauthenticated),
  /** Subscriptions one websocket may hold. */
  WS_MAX_SUBSCRIPTIONS: int(1, 1_000_000).default(GATEWAY_DEFAULTS.maxSubscriptions),
  /** A websocket is closed (4004) this long after it opened, whatever its tokens; 0 = never. */
  WS_MAX_SESSION_AGE_S: int(0, 365 * 86_400).default(GATEWAY_DEFAULTS.maxSessionAgeMs / 1000),
  /** Accept `?token=` at the websocket upgrade (query strings end up in proxy and access logs). */
  WS_QUERY_TOKEN: flag(GATEWAY_DEFAULTS.allowQueryToken),
  /** Browser origins (scheme://host[:port], comma-separated) allowed by CORS and at the websocket upgrade. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s,]+$/, 'each origin is scheme://host[:port], no path'))),
  /** Rate limits (src/gateway/rate-limit.ts), each `burst:perSecond`: `/auth/*` per client address. */
  RATE_LIMIT_AUTH: rateSpec(RATE_LIMIT_DEFAULTS.auth),
  /** Per user: GET routes; POST and DELETE routes; `/admin/*` and `/health`. */
  RATE_LIMIT_REST_READ: rateSpec(RATE_LIMIT_DEFAULTS.read),
  RATE_LIMIT_REST_WRITE: rateSpec(RATE_LIMIT_DEFAULTS.write),
  RATE_LIMIT_REST_ADMIN: rateSpec(RATE_LIMIT_DEFAULTS.admin),
  /** Per websocket connection: messages other than ticks; ticks (a feed's market data). */
  RATE_LIMIT_WS_MESSAGES: rateSpec(RATE_LIMIT_DEFAULTS.wsMessages),
  RATE_LIMIT_WS_TICKS: rateSpec(RATE_LIMIT_DEFAULTS.wsTicks),
  /** Refused messages after which a websocket that keeps on sending is closed (4029). */
  RATE_LIMIT_WS_CLOSE_AFTER: int(1, 1_000_000).default(RATE_LIMIT_DEFAULTS.wsCloseAfterRefusals),
  /** GET /metrics (Prometheus text format): off only to compare the bench with and without it. */
  METRICS_ENABLED: flag(true),
  /**
   * A bearer secret a Prometheus scraper sends (`Authorization: Bearer <METRICS_TOKEN>`) to read
   * /metrics without an account; unset: only a principal allowed `metrics` (admin) reads it.
   */
  METRICS_TOKEN: z.string().min(32, 'at least 32 characters (a random secret, e.g. openssl rand -hex 32)').max(512).optional(),
  /** Continuous risk-free rate used for live valuation. */
  RISK_FREE_RATE: z.coerce.number().min(-1).max(1).default(0.03),
  /** Optional folder of <TICKER>.csv histories for the dgv VaR scenarios of real tickers. */
  PRICES_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /**
   * `durable` (default): every acknowledged change is in PostgreSQL first (docs/PERSISTENCE.md).
   * `memory`: nothing is stored and a restart forgets everything; for measuring the real-time
   * path alone. Production refuses it.
   */
  PERSISTENCE: z.enum(['durable', 'memory']).default('durable'),
  /** A PostgreSQL server; without it the engine runs PostgreSQL in-process (PGlite) under DATA_DIR. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .refine(percentEncodedUrl, 'must be a URL whose user and password are percent-encoded (a literal % is %25)').optional(),
  /**
   * `true` lets NODE_ENV=production run the embedded database (no DATABASE_URL): PGlite in the
   * engine's process, one machine's disk, no replica. Refused there unless said on purpose.
   */
  ALLOW_EMBEDDED_DATABASE: z.enum(['true', 'false']).default('false'),
  /** Schema of everything the engine stores, BullMQ's PostgreSQL tables included. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _, starting with a letter or _').default(DATABASE_DEFAULTS.schema),
  DATABASE_POOL_SIZE: int(2, 200).default(DATABASE_DEFAULTS.poolSize),
  /** Redis for the BullMQ queues; without it they run on PostgreSQL (the same database). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /**
   * Scale-out (docs/SCALE-OUT.md). ENGINE_ID names this engine among those sharing the database
   * (default host:pid); two live engines with one id are refused.
   */
  ENGINE_ID: z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'letters, digits and _ . : @ -, at most 128').optional(),
  /** Partitions the portfolios are spread over; fixed for a database (a start with another count is refused). */
  PARTITIONS: int(1, MAX_PARTITIONS).default(DEFAULT_PARTITIONS),
  /**
   * How long a frozen or cut-off engine keeps its partitions: its ownership session's
   * idle_session_timeout and tcp_user_timeout, ms (a heartbeat every third of it keeps a live one).
   */
  CLUSTER_SESSION_TIMEOUT_MS: int(500, 600_000).default(CLUSTER_DEFAULTS.sessionTimeoutMs),
  /** How often each engine reads the partition map and the live engines, ms (a NOTIFY wakes it sooner). */
  CLUSTER_POLL_MS: int(20, 60_000).default(CLUSTER_DEFAULTS.pollMs),
  /** How long a message for a partition without an owner waits for one before PARTITION_MOVING, ms. */
  CLUSTER_MOVE_WAIT_MS: int(0, 60_000).default(CLUSTER_DEFAULTS.moveWaitMs),
  /** The secret engines of a deployment present to each other on their internal link (at least 16 characters). */
  CLUSTER_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /**
   * Where the other engines reach this one (http://host:port, https with TLS: src/gateway/cluster/endpoint.ts),
   * when it is not HOST:PORT as seen from them (a container, HOST=0.0.0.0).
   */
  CLUSTER_ENDPOINT: z.string().regex(/^https?:\/\/[^\s/]+$/, 'http://host:port or https://host:port, no path').optional(),
  /** Prefix of the queues' names (one per engine deployment sharing a Redis). */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -').default(QUEUE_DEFAULTS.prefix),
  /** How often each portfolio's newest risk is written behind (persist queue), ms. */
  RISK_SNAPSHOT_MS: int(100, 86_400_000).default(QUEUE_FEEDER_DEFAULTS.riskSnapshotMs),
  /** How often changed last prices are written behind, ms. */
  MARKET_SNAPSHOT_MS: int(100, 86_400_000).default(QUEUE_FEEDER_DEFAULTS.marketSnapshotMs),
  /** UTC time of day (HH:MM) from which the day's positions-and-risk report is requested. */
  REPORT_TIME_UTC: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour UTC').default(hhmm(QUEUE_FEEDER_DEFAULTS.reportMinuteUtc)),
  /** A fill of at least this notional raises an AML alert. */
  AML_LARGE_NOTIONAL: z.coerce.number().positive().finite().default(AML_DEFAULTS.largeNotional),
  /**
   * The large-notional threshold of a customer KYC rates medium risk (at most AML_LARGE_NOTIONAL);
   * unset, its default or AML_LARGE_NOTIONAL, whichever is lower (amlRuleParams).
   */
  AML_LARGE_NOTIONAL_MEDIUM_RISK: z.coerce.number().positive().finite().optional(),
  /** The same for high risk (at most the medium-risk one; unset, its default or that, whichever is lower). */
  AML_LARGE_NOTIONAL_HIGH_RISK: z.coerce.number().positive().finite().optional(),
  /** More fills than this by one customer within an hour raise VELOCITY. */
  AML_VELOCITY_MAX_TRADES_PER_HOUR: int(1, 1_000_000).default(AML_RULE_DEFAULTS.velocity.maxTradesPerHour),
  /** The reporting threshold (currency) STRUCTURING watches fills kept just under. */
  AML_STRUCTURING_THRESHOLD: z.coerce.number().positive().finite().default(AML_RULE_DEFAULTS.structuring.reportingThreshold),
  /** "Just under": a notional in [band × threshold, threshold). */
  AML_STRUCTURING_BAND: z.coerce.number().min(0.5).lt(1).default(AML_RULE_DEFAULTS.structuring.bandFraction),
  AML_STRUCTURING_MIN_COUNT: int(2, 1000).default(AML_RULE_DEFAULTS.structuring.minCount),
  AML_STRUCTURING_WINDOW_HOURS: int(1, 24 * 31).default(AML_RULE_DEFAULTS.structuring.windowHours),
  /** WASH_TRADE: opposite sides by one owner within this many seconds... */
  AML_WASH_WINDOW_S: int(1, 86_400).default(AML_RULE_DEFAULTS.washTrade.windowSeconds),
  /** ...with quantities no further apart than this fraction of the larger. */
  AML_WASH_QTY_TOLERANCE: z.coerce.number().min(0).max(1).default(AML_RULE_DEFAULTS.washTrade.qtyTolerance),
  /** LAYERING: at least this many orders placed and cancelled far from the touch... */
  AML_LAYERING_MIN_ORDERS: int(1, 10_000).default(AML_RULE_DEFAULTS.layering.minOrders),
  /** ...within this many seconds before a fill on the other side... */
  AML_LAYERING_WINDOW_S: int(1, 86_400).default(AML_RULE_DEFAULTS.layering.windowSeconds),
  /** ...each at least this fraction away from the touch when placed. */
  AML_LAYERING_MIN_DISTANCE: z.coerce.number().positive().max(1).default(AML_RULE_DEFAULTS.layering.minDistance),
  /** MARKING_THE_CLOSE: the market's close, UTC (HH:MM). */
  AML_CLOSE_TIME_UTC: z.string().regex(HHMM, 'HH:MM, 24-hour UTC').default(hhmm(AML_RULE_DEFAULTS.markingTheClose.closeMinuteUtc)),
  AML_CLOSE_WINDOW_MINUTES: int(1, 240).default(AML_RULE_DEFAULTS.markingTheClose.windowMinutes),
  /** The share of the customer's day volume in an instrument traded in the window. */
  AML_CLOSE_MIN_SHARE: z.coerce.number().positive().max(1).default(AML_RULE_DEFAULTS.markingTheClose.minShareOfVolume),
  /** The price move, as a fraction, in the direction they traded. */
  AML_CLOSE_MIN_PRICE_MOVE: z.coerce.number().positive().max(1).default(AML_RULE_DEFAULTS.markingTheClose.minPriceMove),
  /** The notional (currency) the customer traded in the window, at least. */
  AML_CLOSE_MIN_NOTIONAL: z.coerce.number().min(0).finite().default(AML_RULE_DEFAULTS.markingTheClose.minNotional),
  /** UNUSUAL_SIZE: a fill this many standard deviations above the customer's mean notional... */
  AML_UNUSUAL_SIZE_Z: z.coerce.number().positive().max(1000).default(AML_RULE_DEFAULTS.unusualSize.minZ),
  /** ...once they have this many past fills... */
  AML_UNUSUAL_SIZE_MIN_HISTORY: int(2, 100_000).default(AML_RULE_DEFAULTS.unusualSize.minHistory),
  /** ...the mean and deviation taken over their newest this many (at least AML_UNUSUAL_SIZE_MIN_HISTORY). */
  AML_UNUSUAL_SIZE_HISTORY_FILLS: int(2, 100_000).default(AML_RULE_DEFAULTS.unusualSize.historyFills),
  /** HIGH_RISK_COUNTRY, high severity: countries under comprehensive sanctions. */
  AML_SANCTIONED_COUNTRIES: countryList(AML_RULE_DEFAULTS.countries.sanctioned),
  /** HIGH_RISK_COUNTRY, medium severity: high-risk jurisdictions. */
  AML_HIGH_RISK_COUNTRIES: countryList(AML_RULE_DEFAULTS.countries.highRisk),
  /**
   * A tick moving a price by more than this fraction of the last accepted price is held until a
   * second tick confirms it (src/engine/market/tick-guard.ts). Risk managers set per-symbol bands.
   */
  TICK_MAX_JUMP: z.coerce.number().positive().max(100).default(TICK_GUARD_DEFAULTS.maxJump),
  /** A tick whose ts is further than this from the engine clock (either way) is refused, ms (tick-guard.ts says why 5 s). */
  TICK_MAX_SKEW_MS: int(1, 86_400_000).default(TICK_GUARD_DEFAULTS.maxSkewMs),
  /** How long an accepted clientOrderId is remembered at least, ms (open orders are, whatever their age): 1 s to 30 days. */
  CLIENT_ORDER_ID_WINDOW_MS: int(1000, 30 * 86_400_000).default(CLIENT_ORDER_IDS_DEFAULTS.windowMs),
  /** PEM certificate (with its chain) and private key: with both, serve terminates TLS itself (https://, wss://). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Passphrase of an encrypted TLS_KEY_FILE. */
  TLS_KEY_PASSPHRASE: z.string().min(1).optional(),
  /**
   * `true` declares that a proxy in front terminates TLS and forwards to this port: the one way
   * production may listen in plaintext (its clients still reach it over https, so HSTS is sent).
   */
  TLS_TERMINATED_BY_PROXY: z.enum(['true', 'false'], { message: 'true or false' }).default('false'),
  ...TRACING_ENV,
});

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly env: 'development' | 'production' | 'test';
  /** ENCRYPTION_KEY (current) and ENCRYPTION_KEY_PREVIOUS: the master keys of the data keys. */
  readonly encryption: MasterKeys & { readonly source: 'env' | 'dev-file' };
  /** The token signing keys (SIGNING_KEYS_DIR, loaded and checked at start) with the issuer and audience tokens carry. */
  readonly jwt: { readonly keys: SigningKeyRing; readonly issuer: string; readonly audience: string };
  /** ACCESS_TOKEN_EXPIRE_MINUTES. */
  readonly accessTokenExpireMinutes: number;
  /** REFRESH_TOKEN_EXPIRE_DAYS. */
  readonly refreshTokenExpireDays: number;
  /** BOOTSTRAP_ADMIN_EMAIL: that account gets admin on every portfolio at start. */
  readonly bootstrapAdminEmail?: string;
  readonly dataDir: string;
  /** SANCTIONS_LIST_DIR, resolved. */
  readonly sanctionsListDir: string;
  /** PEP_LIST_FILE, resolved; absent: PEP screening is off. */
  readonly pepListFile?: string;
  /** KYC_RESCREEN_INTERVAL_S, in ms. */
  readonly kycRescreenIntervalMs: number;
  readonly pool: {
    readonly threads: number; readonly maxBatch: number; readonly tasksPerThread: number; readonly priority: 'idle' | 'low' | 'normal';
    /** VAR_CONFIDENCE_LEVEL. */
    readonly varConfidence: number;
  };
  /** DEFAULT_LEVERAGE_LIMIT and MAX_LEVERAGE_LIMIT. */
  readonly leverage: LeveragePolicy;
  readonly mailboxCapacity: number;
  readonly marginRefreshMs: number;
  readonly clientOrderIdWindowMs: number;
  readonly maxFrameBytes: number;
  readonly maxBodyBytes: number;
  readonly websocket: {
    readonly maxConnections: number; readonly maxConnectionsPerIp: number; readonly maxUnauthenticated: number;
    readonly maxSubscriptions: number; readonly maxSessionAgeMs: number; readonly allowQueryToken: boolean;
  };
  readonly corsOrigins: readonly string[];
  /** METRICS_ENABLED and METRICS_TOKEN (absent: only a principal allowed `metrics` reads /metrics). */
  readonly metrics: { readonly enabled: boolean; readonly token?: string };
  /** The RATE_LIMIT_* settings. */
  readonly rateLimits: RatePolicies;
  readonly rate: number;
  /** Market-data checks (TICK_MAX_JUMP, TICK_MAX_SKEW_MS). */
  readonly tickGuard: { readonly maxJump: number; readonly maxSkewMs: number };
  readonly pricesDir?: string;
  readonly logLevel: LogLevel | 'silent';
  /** TRACING_ENABLED and the OTEL_* settings (tracing-settings.ts); off by default. */
  readonly tracing: TracingSettings;
  /** The engine terminates TLS with these files (absolute paths, checked readable and matching at start). */
  readonly tls?: TlsFiles;
  /** TLS_TERMINATED_BY_PROXY: a proxy in front terminates TLS. */
  readonly tlsTerminatedByProxy: boolean;
  /** The transaction-monitoring rules' parameters (the AML_* settings; docs/AML-RULES.md). */
  readonly aml: AmlRuleParams;
  /** MIFID_II_REPORTING_ENABLED, SOX_COMPLIANCE_ENABLED and the reports' settings (src/reports-config.ts). */
  readonly reports: ReportsConfig;
  /** RETENTION_*_DAYS: what the daily retention run deletes or shreds, and after how long. */
  readonly retention: RetentionPeriods;
  /** KYC_REQUIRED, SANCTIONS_SCREENING_ENABLED and AML_MONITORING_ENABLED, resolved against NODE_ENV (COMPLIANCE_DEFAULTS). */
  readonly compliance: ComplianceSwitches;
  /** Scale-out settings (docs/SCALE-OUT.md); used with DATABASE_URL (the embedded database is one engine). */
  readonly cluster: ClusterSettings;
  readonly persistence:
    | { readonly mode: 'memory' }
    | {
        readonly mode: 'durable'; readonly databaseUrl?: string; readonly schema: string; readonly poolSize: number; readonly redisUrl?: string; readonly queuePrefix: string;
        readonly riskSnapshotMs: number; readonly marketSnapshotMs: number; readonly reportMinuteUtc: number; readonly amlLargeNotional: number;
      };
}

export interface ClusterSettings {
  readonly engineId: string;
  readonly partitions: number;
  readonly sessionTimeoutMs: number;
  readonly pollMs: number;
  readonly moveWaitMs: number;
  readonly secret?: string;
  readonly endpoint?: string;
}

export interface ComplianceSwitches {
  readonly kycRequired: boolean;
  readonly sanctionsScreeningEnabled: boolean;
  readonly amlMonitoringEnabled: boolean;
}

/**
 * The compliance switches when unset: all on in production. Elsewhere screening and monitoring
 * stay on (they only read and raise alerts) while KYC is off: a development or test engine has no
 * reviewed customers, and with it on every owned portfolio would be reduce-only.
 */
export const COMPLIANCE_DEFAULTS: Readonly<Record<'production' | 'other', ComplianceSwitches>> = Object.freeze({
  production: Object.freeze({ kycRequired: true, sanctionsScreeningEnabled: true, amlMonitoringEnabled: true }),
  other: Object.freeze({ kycRequired: false, sanctionsScreeningEnabled: true, amlMonitoringEnabled: true }),
});

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly passphrase?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (and `overrides`, e.g. from CLI flags, which win). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof z.infer<typeof EnvSchema>, string>> = {}): AppConfig {
  const merged: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) merged[key] = overrides[key as keyof typeof overrides] ?? env[key];
  // An empty variable means "not set", as shells often export them empty.
  for (const [k, v] of Object.entries(merged)) if (v === '') merged[k] = undefined;
  const parsed = EnvSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  // Rules across fields and production's rules, all checked so that one start lists every problem.
  const refused: string[] = [];
  const keys = signingKeys(e);
  if (!(keys instanceof SigningKeyRing)) refused.push(...keys);
  if (e.NODE_ENV === 'production' && e.ENCRYPTION_KEY === undefined) {
    refused.push(`ENCRYPTION_KEY: required in production (the development key file is refused); ${MASTER_KEY_FORMAT}`);
  }
  if (e.NODE_ENV === 'production' && e.PERSISTENCE === 'memory') {
    refused.push('PERSISTENCE: memory is refused in production (acknowledged orders would not survive a restart)');
  }
  if (e.NODE_ENV === 'production' && e.PERSISTENCE === 'durable' && e.DATABASE_URL === undefined && e.ALLOW_EMBEDDED_DATABASE !== 'true') {
    refused.push('DATABASE_URL: required in production; without it the engine would run its database in-process (PGlite under DATA_DIR). Set ALLOW_EMBEDDED_DATABASE=true to run that on purpose');
  }
  const tls = tlsFiles(e);
  if (e.NODE_ENV === 'production' && tls === undefined && e.TLS_TERMINATED_BY_PROXY !== 'true') {
    refused.push('TLS_CERT_FILE, TLS_KEY_FILE: required in production, where plaintext is refused; or set TLS_TERMINATED_BY_PROXY=true if a proxy in front terminates TLS');
  }
  if (e.DEFAULT_LEVERAGE_LIMIT > e.MAX_LEVERAGE_LIMIT) {
    refused.push(`DEFAULT_LEVERAGE_LIMIT: ${e.DEFAULT_LEVERAGE_LIMIT} is above MAX_LEVERAGE_LIMIT (${e.MAX_LEVERAGE_LIMIT}); a new portfolio could not get it`);
  }
  const notional = largeNotionalLevels(e);
  if (notional.medium > notional.low) {
    refused.push(`AML_LARGE_NOTIONAL_MEDIUM_RISK: ${notional.medium} is above AML_LARGE_NOTIONAL (${notional.low}); a riskier customer would be watched less`);
  }
  if (notional.high > notional.medium) {
    refused.push(`AML_LARGE_NOTIONAL_HIGH_RISK: ${notional.high} is above AML_LARGE_NOTIONAL_MEDIUM_RISK (${notional.medium}); a riskier customer would be watched less`);
  }
  if (e.AML_UNUSUAL_SIZE_HISTORY_FILLS < e.AML_UNUSUAL_SIZE_MIN_HISTORY) {
    refused.push(`AML_UNUSUAL_SIZE_HISTORY_FILLS: ${e.AML_UNUSUAL_SIZE_HISTORY_FILLS} is below AML_UNUSUAL_SIZE_MIN_HISTORY (${e.AML_UNUSUAL_SIZE_MIN_HISTORY}); the rule could never fire`);
  }
  const reports = reportsConfig(e, refused);
  if (refused.length > 0) throw new ConfigError(refused);
  const encryption = encryptionKeys(e.ENCRYPTION_KEY, e.ENCRYPTION_KEY_PREVIOUS ?? [], e.DATA_DIR);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    env: e.NODE_ENV,
    jwt: Object.freeze({ keys: keys as SigningKeyRing, issuer: e.RISK_ENGINE_JWT_ISSUER, audience: e.RISK_ENGINE_JWT_AUDIENCE }),
    accessTokenExpireMinutes: e.ACCESS_TOKEN_EXPIRE_MINUTES,
    refreshTokenExpireDays: e.REFRESH_TOKEN_EXPIRE_DAYS,
    ...(e.BOOTSTRAP_ADMIN_EMAIL !== undefined ? { bootstrapAdminEmail: e.BOOTSTRAP_ADMIN_EMAIL } : {}),
    encryption,
    dataDir: e.DATA_DIR,
    sanctionsListDir: sanctionsListDir({ SANCTIONS_LIST_DIR: e.SANCTIONS_LIST_DIR }),
    ...(e.PEP_LIST_FILE !== undefined ? { pepListFile: pepListFile({ PEP_LIST_FILE: e.PEP_LIST_FILE }) } : {}),
    kycRescreenIntervalMs: e.KYC_RESCREEN_INTERVAL_S * 1000,
    pool: Object.freeze({
      threads: e.RISK_POOL_THREADS ?? RISK_POOL_DEFAULTS.threads, maxBatch: e.RISK_POOL_MAX_BATCH, tasksPerThread: e.RISK_POOL_TASKS_PER_THREAD, priority: e.RISK_POOL_PRIORITY,
      varConfidence: e.VAR_CONFIDENCE_LEVEL,
    }),
    leverage: Object.freeze({ defaultLimit: e.DEFAULT_LEVERAGE_LIMIT, maxLimit: e.MAX_LEVERAGE_LIMIT }),
    mailboxCapacity: e.MAILBOX_CAPACITY,
    marginRefreshMs: e.MARGIN_REFRESH_MS,
    clientOrderIdWindowMs: e.CLIENT_ORDER_ID_WINDOW_MS,
    maxFrameBytes: e.MAX_FRAME_BYTES,
    maxBodyBytes: e.MAX_BODY_BYTES,
    websocket: Object.freeze({
      maxConnections: e.WS_MAX_CONNECTIONS, maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP, maxUnauthenticated: e.WS_MAX_UNAUTHENTICATED,
      maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS, maxSessionAgeMs: e.WS_MAX_SESSION_AGE_S * 1000, allowQueryToken: e.WS_QUERY_TOKEN === 'true',
    }),
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]),
    metrics: Object.freeze({ enabled: e.METRICS_ENABLED === 'true', ...(e.METRICS_TOKEN !== undefined ? { token: e.METRICS_TOKEN } : {}) }),
    rateLimits: Object.freeze({
      auth: e.RATE_LIMIT_AUTH, read: e.RATE_LIMIT_REST_READ, write: e.RATE_LIMIT_REST_WRITE, admin: e.RATE_LIMIT_REST_ADMIN,
      wsMessages: e.RATE_LIMIT_WS_MESSAGES, wsTicks: e.RATE_LIMIT_WS_TICKS, wsCloseAfterRefusals: e.RATE_LIMIT_WS_CLOSE_AFTER,
    }),
    rate: e.RISK_FREE_RATE,
    tickGuard: Object.freeze({ maxJump: e.TICK_MAX_JUMP, maxSkewMs: e.TICK_MAX_SKEW_MS }),
    ...(e.PRICES_DIR !== undefined ? { pricesDir: e.PRICES_DIR } : {}),
    logLevel: e.LOG_LEVEL,
    tracing: tracingFromParsed(e),
    ...(tls !== undefined ? { tls } : {}),
    tlsTerminatedByProxy: e.TLS_TERMINATED_BY_PROXY === 'true',
    aml: amlRuleParams(e),
    reports: reports as ReportsConfig,
    retention: retentionPeriodsFromEnv(e),
    compliance: complianceSwitches(e),
    cluster: Object.freeze({
      engineId: e.ENGINE_ID ?? `${hostname()}:${process.pid}`, partitions: e.PARTITIONS, sessionTimeoutMs: e.CLUSTER_SESSION_TIMEOUT_MS,
      pollMs: e.CLUSTER_POLL_MS, moveWaitMs: e.CLUSTER_MOVE_WAIT_MS,
      ...(e.CLUSTER_SECRET !== undefined ? { secret: e.CLUSTER_SECRET } : {}), ...(e.CLUSTER_ENDPOINT !== undefined ? { endpoint: e.CLUSTER_ENDPOINT } : {}),
    }),
    persistence: Object.freeze(
      e.PERSISTENCE === 'memory'
        ? { mode: 'memory' as const }
        : {
            mode: 'durable' as const, schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE, queuePrefix: e.QUEUE_PREFIX,
            riskSnapshotMs: e.RISK_SNAPSHOT_MS, marketSnapshotMs: e.MARKET_SNAPSHOT_MS, amlLargeNotional: e.AML_LARGE_NOTIONAL,
            reportMinuteUtc: Number(e.REPORT_TIME_UTC.slice(0, 2)) * 60 + Number(e.REPORT_TIME_UTC.slice(3)),
            ...(e.DATABASE_URL !== undefined ? { databaseUrl: e.DATABASE_URL } : {}),
            ...(e.REDIS_URL !== undefined ? { redisUrl: e.REDIS_URL } : {}),
          },
    ),
  }) as AppConfig;
}

/**
 * LARGE_NOTIONAL's threshold per risk level. A riskier level left unset takes its default or the
 * level's before it, whichever is lower: lowering AML_LARGE_NOTIONAL alone (as before there were
 * levels) lowers them all with it; only levels set explicitly out of order are refused.
 */
function largeNotionalLevels(e: z.infer<typeof EnvSchema>): { low: number; medium: number; high: number } {
  const low = e.AML_LARGE_NOTIONAL;
  const medium = e.AML_LARGE_NOTIONAL_MEDIUM_RISK ?? Math.min(AML_RULE_DEFAULTS.largeNotional.medium, low);
  const high = e.AML_LARGE_NOTIONAL_HIGH_RISK ?? Math.min(AML_RULE_DEFAULTS.largeNotional.high, medium);
  return { low, medium, high };
}

function complianceSwitches(e: z.infer<typeof EnvSchema>): ComplianceSwitches {
  const d = COMPLIANCE_DEFAULTS[e.NODE_ENV === 'production' ? 'production' : 'other'];
  return Object.freeze({
    kycRequired: e.KYC_REQUIRED ?? d.kycRequired,
    sanctionsScreeningEnabled: e.SANCTIONS_SCREENING_ENABLED ?? d.sanctionsScreeningEnabled,
    amlMonitoringEnabled: e.AML_MONITORING_ENABLED ?? d.amlMonitoringEnabled,
  });
}

/** The AML_* settings as the rules' parameters (rule-defaults.ts). */
function amlRuleParams(e: z.infer<typeof EnvSchema>): AmlRuleParams {
  return Object.freeze({
    largeNotional: Object.freeze(largeNotionalLevels(e)),
    velocity: Object.freeze({ maxTradesPerHour: e.AML_VELOCITY_MAX_TRADES_PER_HOUR }),
    structuring: Object.freeze({
      reportingThreshold: e.AML_STRUCTURING_THRESHOLD, bandFraction: e.AML_STRUCTURING_BAND, minCount: e.AML_STRUCTURING_MIN_COUNT, windowHours: e.AML_STRUCTURING_WINDOW_HOURS,
    }),
    washTrade: Object.freeze({ windowSeconds: e.AML_WASH_WINDOW_S, qtyTolerance: e.AML_WASH_QTY_TOLERANCE }),
    layering: Object.freeze({ minOrders: e.AML_LAYERING_MIN_ORDERS, windowSeconds: e.AML_LAYERING_WINDOW_S, minDistance: e.AML_LAYERING_MIN_DISTANCE }),
    markingTheClose: Object.freeze({
      closeMinuteUtc: Number(e.AML_CLOSE_TIME_UTC.slice(0, 2)) * 60 + Number(e.AML_CLOSE_TIME_UTC.slice(3)), windowMinutes: e.AML_CLOSE_WINDOW_MINUTES,
      minShareOfVolume: e.AML_CLOSE_MIN_SHARE, minPriceMove: e.AML_CLOSE_MIN_PRICE_MOVE, minNotional: e.AML_CLOSE_MIN_NOTIONAL,
    }),
    unusualSize: Object.freeze({ minZ: e.AML_UNUSUAL_SIZE_Z, minHistory: e.AML_UNUSUAL_SIZE_MIN_HISTORY, historyFills: e.AML_UNUSUAL_SIZE_HISTORY_FILLS }),
    countries: Object.freeze({ sanctioned: Object.freeze([...e.AML_SANCTIONED_COUNTRIES]), highRisk: Object.freeze([...e.AML_HIGH_RISK_COUNTRIES]) }),
  });
}

/** The master keys: ENCRYPTION_KEY or the development key, and the previous ones but the current (listed by mistake). */
function encryptionKeys(configured: KeyWithId | undefined, previous: readonly KeyWithId[], dataDir: string): AppConfig['encryption'] {
  const current = configured ?? devMasterKey(dataDir);
  if ('problem' in current) throw new ConfigError([`ENCRYPTION_KEY: not set, and ${current.problem}`]);
  const older = previous.filter((k, i) => k.id !== current.id && previous.findIndex((x) => x.id === k.id) === i);
  return Object.freeze({ current, previous: Object.freeze(older), source: configured !== undefined ? 'env' as const : 'dev-file' as const });
}

/** Where the signing keys live: SIGNING_KEYS_DIR, or <DATA_DIR>/signing-keys. */
export function signingKeysDir(env: { readonly SIGNING_KEYS_DIR?: string | undefined; readonly DATA_DIR?: string | undefined }): string {
  return resolve(env.SIGNING_KEYS_DIR || join(env.DATA_DIR || './data', 'signing-keys'));
}

/**
 * The signing-key ring, or what is wrong with its directory. Development makes a key when there is
 * none; production refuses to start without one, and every environment refuses a file that is
 * unreadable or not an Ed25519 key (a token signed with it elsewhere would be refused here).
 */
function signingKeys(e: z.infer<typeof EnvSchema>): SigningKeyRing | string[] {
  const dir = signingKeysDir(e);
  try {
    return SigningKeyRing.open({ dir, refreshMs: e.SIGNING_KEYS_REFRESH_S * 1000, createIfEmpty: e.NODE_ENV !== 'production' });
  } catch (err) {
    if (!(err instanceof SigningKeyError)) return [`SIGNING_KEYS_DIR: ${dir}: cannot make a development key (${(err as NodeJS.ErrnoException).code ?? String(err)})`];
    const hint = e.NODE_ENV === 'production' ? " (production never makes one itself: run 'risk-engine signing-keys add' with the same SIGNING_KEYS_DIR)" : '';
    return err.problems.map((p) => `SIGNING_KEYS_DIR: ${p}${hint}`);
  }
}

/**
 * TLS_CERT_FILE and TLS_KEY_FILE, both or neither: read now, so a missing file, a wrong passphrase
 * or a key of another certificate stops the start with a message naming the variable, instead of
 * uWebSockets.js's bare "App construction failed".
 */
function tlsFiles(e: z.infer<typeof EnvSchema>): TlsFiles | undefined {
  const { TLS_CERT_FILE: certVar, TLS_KEY_FILE: keyVar, TLS_KEY_PASSPHRASE: passphrase } = e;
  if (certVar === undefined && keyVar === undefined) {
    if (passphrase !== undefined) throw new ConfigError(['TLS_KEY_PASSPHRASE: set without TLS_KEY_FILE']);
    return undefined;
  }
  if (certVar === undefined || keyVar === undefined) {
    throw new ConfigError([`TLS_CERT_FILE, TLS_KEY_FILE: set both or neither (only ${certVar !== undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'} is set)`]);
  }
  const certFile = resolve(certVar);
  const keyFile = resolve(keyVar);
  const problems: string[] = [];
  const read = (name: string, file: string): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return undefined;
    }
  };
  const certPem = read('TLS_CERT_FILE', certFile);
  const keyPem = read('TLS_KEY_FILE', keyFile);
  let cert: X509Certificate | undefined;
  if (certPem !== undefined) {
    try {
      cert = new X509Certificate(certPem);
    } catch {
      problems.push(`TLS_CERT_FILE: ${certFile} holds no PEM certificate`);
    }
  }
  if (keyPem !== undefined) {
    try {
      const key = createPrivateKey({ key: keyPem, ...(passphrase !== undefined ? { passphrase } : {}) });
      if (cert !== undefined && !cert.checkPrivateKey(key)) problems.push(`TLS_KEY_FILE: ${keyFile} is not the key of the certificate in ${certFile}`);
    } catch {
      // PKCS#8 and the older OpenSSL PEM header both say so in clear.
      const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(keyPem.toString('latin1'));
      problems.push(
        encrypted
          ? `TLS_KEY_FILE: ${keyFile} is encrypted and TLS_KEY_PASSPHRASE ${passphrase === undefined ? 'is not set' : 'does not open it'}`
          : `TLS_KEY_FILE: ${keyFile} holds no PEM private key`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ certFile, keyFile, ...(passphrase !== undefined ? { passphrase } : {}) });
}
