import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const secret = 'x'.repeat(40);

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const c = loadConfig({ DATA_DIR: dataDir });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', env: 'development', mailboxCapacity: 1024, marginRefreshMs: 1000, rate: 0.03 });
    expect(c.pool.maxBatch).toBe(64);
    expect(c.jwt).toMatchObject({ issuer: 'risk-engine', audience: 'risk-engine', secretSource: 'dev-file' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every bad field in one error instead of stopping at the first', () => {
    try {
      loadConfig({ DATA_DIR: dataDir, PORT: '70000', RISK_POOL_THREADS: 'two', RISK_FREE_RATE: 'NaN', RISK_ENGINE_JWT_SECRET: 'short' });
      expect.unreachable('loadConfig accepted a bad configuration');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      for (const field of ['PORT', 'RISK_POOL_THREADS', 'RISK_FREE_RATE', 'RISK_ENGINE_JWT_SECRET']) expect(problems).toContain(field);
    }
  });

  it('remembers clientOrderIds for a day by default, and takes a window from 1 s to 30 days', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).clientOrderIdWindowMs).toBe(86_400_000);
    expect(loadConfig({ DATA_DIR: dataDir, CLIENT_ORDER_ID_WINDOW_MS: '3600000' }).clientOrderIdWindowMs).toBe(3_600_000);
    for (const bad of ['0', '999', String(31 * 86_400_000), 'a day']) {
      expect(() => loadConfig({ DATA_DIR: dataDir, CLIENT_ORDER_ID_WINDOW_MS: bad })).toThrow(/CLIENT_ORDER_ID_WINDOW_MS/);
    }
  });

  it('refuses to start in production without a JWT secret of its own', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production' })).toThrow(/RISK_ENGINE_JWT_SECRET/);
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', RISK_ENGINE_JWT_SECRET: secret, DATABASE_URL: 'postgres://db/prod' }).jwt.secretSource).toBe('env');
  });

  it('refuses the embedded database in production unless ALLOW_EMBEDDED_DATABASE=true says it is meant', () => {
    const prod = { DATA_DIR: dataDir, NODE_ENV: 'production', RISK_ENGINE_JWT_SECRET: secret };
    try {
      loadConfig(prod);
      expect.unreachable('production started on the embedded database');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^DATABASE_URL: required in production.*ALLOW_EMBEDDED_DATABASE=true/)]);
    }
    expect(() => loadConfig({ ...prod, ALLOW_EMBEDDED_DATABASE: 'false' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...prod, ALLOW_EMBEDDED_DATABASE: 'yes' })).toThrow(/ALLOW_EMBEDDED_DATABASE/);
    const allowed = loadConfig({ ...prod, ALLOW_EMBEDDED_DATABASE: 'true' });
    expect(allowed.persistence).toMatchObject({ mode: 'durable' });
    expect(allowed.persistence).not.toHaveProperty('databaseUrl');
    expect(loadConfig({ ...prod, DATABASE_URL: 'postgres://db/prod' }).persistence).toMatchObject({ databaseUrl: 'postgres://db/prod' });
    // Outside production the embedded database stays the default.
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'development' }).persistence).not.toHaveProperty('databaseUrl');
  });

  it('keeps one development key per data folder, private to its owner, so token and serve agree', () => {
    const a = loadConfig({ DATA_DIR: dataDir });
    const b = loadConfig({ DATA_DIR: dataDir });
    expect(Buffer.from(a.jwt.secret).equals(Buffer.from(b.jwt.secret))).toBe(true);
    const file = join(dataDir, 'dev-jwt-secret');
    expect(readFileSync(file, 'utf8').length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('takes the market-data checks from TICK_MAX_JUMP and TICK_MAX_SKEW_MS (25% and 5 s by default) and refuses bad ones', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).tickGuard).toEqual({ maxJump: 0.25, maxSkewMs: 5000 });
    expect(loadConfig({ DATA_DIR: dataDir, TICK_MAX_JUMP: '0.1', TICK_MAX_SKEW_MS: '250' }).tickGuard).toEqual({ maxJump: 0.1, maxSkewMs: 250 });
    try {
      loadConfig({ DATA_DIR: dataDir, TICK_MAX_JUMP: '0', TICK_MAX_SKEW_MS: '1.5' });
      expect.unreachable('loadConfig accepted a zero band and a fractional skew');
    } catch (e) {
      const problems = (e as ConfigError).problems.join('\n');
      for (const field of ['TICK_MAX_JUMP', 'TICK_MAX_SKEW_MS']) expect(problems).toContain(field);
    }
  });

  it('lets explicit overrides (CLI flags) win over the environment, and treats empty variables as unset', () => {
    const c = loadConfig({ DATA_DIR: dataDir, PORT: '9000', HOST: '' }, { PORT: '0' });
    expect(c.port).toBe(0);
    expect(c.host).toBe('127.0.0.1');
  });
});
