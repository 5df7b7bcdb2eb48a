import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { CLIENT_ORDER_IDS_DEFAULTS } from '../../src/engine/actors/client-order-ids.js';
import { DEFAULT_RISK_LIMITS, LEVERAGE_POLICY_DEFAULTS } from '../../src/engine/limits/risk-limits.js';
import { TICK_GUARD_DEFAULTS } from '../../src/engine/market/tick-guard.js';
import { DEFAULT_REALTIME_RISK_CONFIG } from '../../src/engine/risk/realtime-risk.js';
import { ENGINE_DEFAULTS } from '../../src/engine/runtime/engine-defaults.js';
import { JWT_DEFAULTS } from '../../src/gateway/auth.js';
import { CONNECTION_CAPS_DEFAULTS, ConnectionLimits } from '../../src/gateway/connection-limits.js';
import { GATEWAY_DEFAULTS } from '../../src/gateway/gateway-defaults.js';
import { RATE_LIMIT_DEFAULTS } from '../../src/gateway/rate-limit.js';
import { SIGNING_KEYS_DEFAULTS } from '../../src/gateway/signing-keys.js';
import { AML_RULE_DEFAULTS } from '../../src/engine/compliance/aml/rule-defaults.js';
import { DATABASE_DEFAULTS } from '../../src/persistence/database.js';
import { QUEUE_FEEDER_DEFAULTS } from '../../src/persistence/queue-feeder.js';
import { normaliseQueueOptions, QUEUE_DEFAULTS } from '../../src/persistence/queue-options.js';
import { AML_DEFAULTS } from '../../src/workers/queue-jobs/aml-large-notional.js';
import { normaliseRiskPoolOptions, RISK_POOL_DEFAULTS } from '../../src/workers/risk-pool/risk-pool-options.js';

// A signing-key directory of the test's own and a master key, so that no development key is written into ./data.
const keysDir = mkdtempSync(join(tmpdir(), 'risk-defaults-keys-'));
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));
const config = loadConfig({ SIGNING_KEYS_DIR: keysDir, ENCRYPTION_KEY: randomBytes(32).toString('base64') });
const persistence = config.persistence.mode === 'durable' ? config.persistence : undefined;

describe('the configuration with nothing set equals the defaults of the components it configures', () => {
  it('runs durably by default, so every persistence default below is in force', () => {
    expect(persistence).toBeDefined();
  });

  it('risk pool: threads, batch, tasks per thread, priority and the live VaR confidence', () => {
    expect(config.pool).toEqual({
      threads: RISK_POOL_DEFAULTS.threads, maxBatch: RISK_POOL_DEFAULTS.maxBatch, tasksPerThread: RISK_POOL_DEFAULTS.tasksPerThread,
      priority: RISK_POOL_DEFAULTS.priority, varConfidence: RISK_POOL_DEFAULTS.varConfidence,
    });
  });

  it('engine: mailbox capacity, margin cadence, and a batch that the pool runs as one task', () => {
    expect(config.mailboxCapacity).toBe(ENGINE_DEFAULTS.mailboxCapacity);
    expect(config.marginRefreshMs).toBe(ENGINE_DEFAULTS.marginRefreshMs);
    expect(config.pool.maxBatch).toBe(ENGINE_DEFAULTS.maxBatch);
  });

  it('gateway: address, size limits, websocket caps and subscriptions, session age, query token, CORS and token issuer and audience', () => {
    expect({ host: config.host, port: config.port, maxFrameBytes: config.maxFrameBytes, maxBodyBytes: config.maxBodyBytes }).toEqual({
      host: GATEWAY_DEFAULTS.host, port: GATEWAY_DEFAULTS.port, maxFrameBytes: GATEWAY_DEFAULTS.maxFrameBytes, maxBodyBytes: GATEWAY_DEFAULTS.maxBodyBytes,
    });
    expect(config.websocket).toEqual({
      maxConnections: CONNECTION_CAPS_DEFAULTS.total, maxConnectionsPerIp: CONNECTION_CAPS_DEFAULTS.perIp, maxUnauthenticated: CONNECTION_CAPS_DEFAULTS.unauthenticated,
      maxSubscriptions: GATEWAY_DEFAULTS.maxSubscriptions, maxSessionAgeMs: GATEWAY_DEFAULTS.maxSessionAgeMs, allowQueryToken: GATEWAY_DEFAULTS.allowQueryToken,
    });
    expect(config.corsOrigins).toEqual(GATEWAY_DEFAULTS.corsOrigins);
    expect({ issuer: config.jwt.issuer, audience: config.jwt.audience }).toEqual(JWT_DEFAULTS);
    expect(config.jwt.keys.refreshMs).toBe(SIGNING_KEYS_DEFAULTS.refreshMs);
  });

  it('rate limits: auth per address, REST per user and route class, websocket messages and ticks per connection', () => {
    expect(config.rateLimits).toEqual(RATE_LIMIT_DEFAULTS);
  });

  it('market data and orders: tick guard, clientOrderId window, leverage limits', () => {
    expect(config.tickGuard).toEqual(TICK_GUARD_DEFAULTS);
    expect(config.clientOrderIdWindowMs).toBe(CLIENT_ORDER_IDS_DEFAULTS.windowMs);
    expect(config.leverage).toEqual(LEVERAGE_POLICY_DEFAULTS);
    expect(DEFAULT_RISK_LIMITS.maxLeverage).toBe(config.leverage.defaultLimit);
  });

  it('persistence: database schema and pool, queue prefix, snapshot cadences, report time, AML threshold', () => {
    expect(persistence).toMatchObject({
      schema: DATABASE_DEFAULTS.schema, poolSize: DATABASE_DEFAULTS.poolSize, queuePrefix: QUEUE_DEFAULTS.prefix,
      riskSnapshotMs: QUEUE_FEEDER_DEFAULTS.riskSnapshotMs, marketSnapshotMs: QUEUE_FEEDER_DEFAULTS.marketSnapshotMs,
      reportMinuteUtc: QUEUE_FEEDER_DEFAULTS.reportMinuteUtc, amlLargeNotional: AML_DEFAULTS.largeNotional,
    });
  });
});

describe('the transaction-monitoring rules with nothing set', () => {
  it('take every parameter from AML_RULE_DEFAULTS, the queue\'s large-notional threshold being the low-risk one', () => {
    expect(config.aml).toEqual(AML_RULE_DEFAULTS);
    expect(AML_DEFAULTS.largeNotional).toBe(AML_RULE_DEFAULTS.largeNotional.low);
    for (const part of Object.values(AML_RULE_DEFAULTS)) expect(Object.isFrozen(part)).toBe(true);
  });
});

describe('each component takes its own defaults for what it is not given', () => {
  it('the risk pool fills every option from RISK_POOL_DEFAULTS, its confidences being the kernel\'s', () => {
    const scenarios = { nScenarios: 1, returns: new Float64Array(1), underlyings: ['AAA'] };
    expect(normaliseRiskPoolOptions({ scenarios })).toEqual({ ...RISK_POOL_DEFAULTS, scenarios });
    expect([RISK_POOL_DEFAULTS.varConfidence, RISK_POOL_DEFAULTS.esConfidence]).toEqual([DEFAULT_REALTIME_RISK_CONFIG.varConfidence, DEFAULT_REALTIME_RISK_CONFIG.esConfidence]);
  });

  it('the queues fill every option from QUEUE_DEFAULTS', () => {
    const db = {} as never;
    expect(normaliseQueueOptions({ db })).toEqual({ ...QUEUE_DEFAULTS, db });
  });

  it('the connection caps fill every cap from CONNECTION_CAPS_DEFAULTS', () => {
    expect(new ConnectionLimits({}).caps).toEqual(CONNECTION_CAPS_DEFAULTS);
  });

  it('every defaults object is frozen, so no caller can change another\'s', () => {
    for (const d of [RISK_POOL_DEFAULTS, ENGINE_DEFAULTS, GATEWAY_DEFAULTS, JWT_DEFAULTS, CONNECTION_CAPS_DEFAULTS, TICK_GUARD_DEFAULTS, CLIENT_ORDER_IDS_DEFAULTS,
      LEVERAGE_POLICY_DEFAULTS, DATABASE_DEFAULTS, QUEUE_DEFAULTS, QUEUE_FEEDER_DEFAULTS, AML_DEFAULTS, AML_RULE_DEFAULTS]) expect(Object.isFrozen(d)).toBe(true);
  });
});
