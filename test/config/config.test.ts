import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { addKeyFile } from '../../src/gateway/signing-keys.js';
import { makeTestCert } from '../tls-fixture.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// A random master key, as production must be given (ENCRYPTION_KEY).
const masterKey = randomBytes(32).toString('base64');
/** A production signing-key directory with one key, made as `risk-engine signing-keys add` makes it. */
const keysDir = join(dataDir, 'prod-keys');
addKeyFile(keysDir, Date.now());

/** Every problem loadConfig names for `env` (over this file's DATA_DIR), one a line. */
const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig({ DATA_DIR: dataDir, ...env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.join('\n');
  }
  return expect.unreachable('loadConfig accepted the configuration');
};

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const c = loadConfig({ DATA_DIR: dataDir });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', env: 'development', mailboxCapacity: 1024, marginRefreshMs: 1000, rate: 0.03 });
    expect(c.pool.maxBatch).toBe(64);
    expect(c.jwt).toMatchObject({ issuer: 'risk-engine', audience: 'risk-engine' });
    expect(c).toMatchObject({ accessTokenExpireMinutes: 30, refreshTokenExpireDays: 7 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every bad field in one error instead of stopping at the first', () => {
    try {
      loadConfig({ DATA_DIR: dataDir, PORT: '70000', RISK_POOL_THREADS: 'two', RISK_FREE_RATE: 'NaN', ACCESS_TOKEN_EXPIRE_MINUTES: '0', REFRESH_TOKEN_EXPIRE_DAYS: 'a week' });
      expect.unreachable('loadConfig accepted a bad configuration');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      for (const field of ['PORT', 'RISK_POOL_THREADS', 'RISK_FREE_RATE', 'ACCESS_TOKEN_EXPIRE_MINUTES', 'REFRESH_TOKEN_EXPIRE_DAYS']) expect(problems).toContain(field);
    }
  });

  it('screens without a PEP list unless PEP_LIST_FILE names one, resolved from the working directory', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).pepListFile).toBeUndefined();
    expect(loadConfig({ DATA_DIR: dataDir, PEP_LIST_FILE: '' }).pepListFile).toBeUndefined();
    expect(loadConfig({ DATA_DIR: dataDir, PEP_LIST_FILE: '/srv/lists/pep.csv' }).pepListFile).toBe('/srv/lists/pep.csv');
    expect(loadConfig({ DATA_DIR: dataDir, PEP_LIST_FILE: 'lists/pep.csv' }).pepListFile).toBe(resolve('lists/pep.csv'));
  });

  it('remembers clientOrderIds for a day by default, and takes a window from 1 s to 30 days', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).clientOrderIdWindowMs).toBe(86_400_000);
    expect(loadConfig({ DATA_DIR: dataDir, CLIENT_ORDER_ID_WINDOW_MS: '3600000' }).clientOrderIdWindowMs).toBe(3_600_000);
    for (const bad of ['0', '999', String(31 * 86_400_000), 'a day']) {
      expect(() => loadConfig({ DATA_DIR: dataDir, CLIENT_ORDER_ID_WINDOW_MS: bad })).toThrow(/CLIENT_ORDER_ID_WINDOW_MS/);
    }
  });

  it('takes the token lifetimes from ACCESS_TOKEN_EXPIRE_MINUTES and REFRESH_TOKEN_EXPIRE_DAYS', () => {
    expect(loadConfig({ DATA_DIR: dataDir, ACCESS_TOKEN_EXPIRE_MINUTES: '5', REFRESH_TOKEN_EXPIRE_DAYS: '1' })).toMatchObject({ accessTokenExpireMinutes: 5, refreshTokenExpireDays: 1 });
    for (const [k, bad] of [['ACCESS_TOKEN_EXPIRE_MINUTES', '1441'], ['ACCESS_TOKEN_EXPIRE_MINUTES', '2.5'], ['REFRESH_TOKEN_EXPIRE_DAYS', '0'], ['REFRESH_TOKEN_EXPIRE_DAYS', '366']] as const) {
      expect(() => loadConfig({ DATA_DIR: dataDir, [k]: bad })).toThrow(new RegExp(k));
    }
  });

  it('refuses to start in production without signing keys, and names the file that is not an Ed25519 key', () => {
    const prod = { NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', ENCRYPTION_KEY: masterKey, DATABASE_URL: 'postgres://db/prod', TLS_TERMINATED_BY_PROXY: 'true' };
    const empty = mkdtempSync(join(dataDir, 'empty-'));
    expect(problemsOf({ ...prod, SIGNING_KEYS_DIR: join(dataDir, 'missing') })).toMatch(/SIGNING_KEYS_DIR: .*missing: cannot read the signing-key directory \(ENOENT\).*signing-keys add/);
    expect(problemsOf({ ...prod, SIGNING_KEYS_DIR: empty })).toMatch(/SIGNING_KEYS_DIR: .*holds no signing key/);
    // Production never makes a key itself.
    expect(readdirSync(empty)).toEqual([]);
    const bad = mkdtempSync(join(dataDir, 'bad-'));
    writeFileSync(join(bad, 'ed25519-20261206T183000.000Z-00aa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(bad, 'ed25519-20261206T183001.000Z-00bb.pem'), 'not a key');
    const problems = problemsOf({ ...prod, SIGNING_KEYS_DIR: bad });
    expect(problems).toMatch(/00aa\.pem: is a rsa key, not Ed25519/);
    expect(problems).toMatch(/00bb\.pem: holds no PEM private key/);
    // The same bad file is refused in development too: it would sign tokens nothing verifies.
    expect(problemsOf({ SIGNING_KEYS_DIR: bad })).toMatch(/00aa\.pem: is a rsa key/);
    expect(loadConfig({ DATA_DIR: dataDir, ...prod, SIGNING_KEYS_DIR: keysDir }).jwt.keys.kids()).toHaveLength(1);
  });

  it('refuses the embedded database in production unless ALLOW_EMBEDDED_DATABASE=true says it is meant', () => {
    const prod = { DATA_DIR: dataDir, NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', SIGNING_KEYS_DIR: keysDir, ENCRYPTION_KEY: masterKey, TLS_TERMINATED_BY_PROXY: 'true' };
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

  it('keeps one development signing key per data folder, private to its owner, so token and serve agree', () => {
    const home = mkdtempSync(join(dataDir, 'home-'));
    const a = loadConfig({ DATA_DIR: home });
    const b = loadConfig({ DATA_DIR: home });
    expect(a.jwt.keys.kids()).toHaveLength(1);
    expect(b.jwt.keys.kids()).toEqual(a.jwt.keys.kids());
    const dir = join(home, 'signing-keys');
    expect(a.jwt.keys.dir).toBe(dir);
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^ed25519-\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}\.pem$/);
    expect(statSync(join(dir, file!)).mode & 0o077).toBe(0);
    expect(statSync(dir).mode & 0o077).toBe(0);
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

  it('takes the rate limits as burst:perSecond (auth 10 at once then 1/s by default) and refuses a bad one, naming it', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).rateLimits).toMatchObject({ auth: { burst: 10, perSecond: 1 }, wsCloseAfterRefusals: 50 });
    const c = loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_AUTH: '5:0.5', RATE_LIMIT_WS_TICKS: '50000:25000', RATE_LIMIT_WS_CLOSE_AFTER: '3' });
    expect(c.rateLimits).toMatchObject({ auth: { burst: 5, perSecond: 0.5 }, wsTicks: { burst: 50000, perSecond: 25000 }, wsCloseAfterRefusals: 3 });
    try {
      loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_AUTH: '10', RATE_LIMIT_REST_READ: '0:5', RATE_LIMIT_REST_WRITE: '10:0', RATE_LIMIT_WS_MESSAGES: '-1:2' });
      expect.unreachable('loadConfig accepted malformed rate limits');
    } catch (e) {
      const problems = (e as ConfigError).problems.join('\n');
      for (const field of ['RATE_LIMIT_AUTH', 'RATE_LIMIT_REST_READ.burst', 'RATE_LIMIT_REST_WRITE.perSecond', 'RATE_LIMIT_WS_MESSAGES']) expect(problems).toContain(field);
    }
  });

  it('lets explicit overrides (CLI flags) win over the environment, and treats empty variables as unset', () => {
    const c = loadConfig({ DATA_DIR: dataDir, PORT: '9000', HOST: '' }, { PORT: '0' });
    expect(c.port).toBe(0);
    expect(c.host).toBe('127.0.0.1');
  });

  it('takes the leverage limits from DEFAULT_LEVERAGE_LIMIT and MAX_LEVERAGE_LIMIT (10 and 100 by default)', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).leverage).toEqual({ defaultLimit: 10, maxLimit: 100 });
    expect(loadConfig({ DATA_DIR: dataDir, DEFAULT_LEVERAGE_LIMIT: '4', MAX_LEVERAGE_LIMIT: '20' }).leverage).toEqual({ defaultLimit: 4, maxLimit: 20 });
    expect(loadConfig({ DATA_DIR: dataDir, DEFAULT_LEVERAGE_LIMIT: '2.5', MAX_LEVERAGE_LIMIT: '2.5' }).leverage).toEqual({ defaultLimit: 2.5, maxLimit: 2.5 });
  });

  it('refuses a leverage limit that is not a positive number up to 100, naming the variable', () => {
    for (const [name, bad] of [['DEFAULT_LEVERAGE_LIMIT', '0'], ['DEFAULT_LEVERAGE_LIMIT', 'ten'], ['MAX_LEVERAGE_LIMIT', '-5'], ['MAX_LEVERAGE_LIMIT', '101']] as const) {
      expect(() => loadConfig({ DATA_DIR: dataDir, [name]: bad }), `${name}=${bad}`).toThrow(new RegExp(`^invalid configuration:\\n  - ${name}:`));
    }
  });

  it('refuses a default leverage limit above the highest one allowed', () => {
    try {
      loadConfig({ DATA_DIR: dataDir, DEFAULT_LEVERAGE_LIMIT: '20', MAX_LEVERAGE_LIMIT: '15' });
      expect.unreachable('a new portfolio would get a limit nobody may set');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^DEFAULT_LEVERAGE_LIMIT: 20 is above MAX_LEVERAGE_LIMIT \(15\)/)]);
    }
    // Only the default is lowered: it must still fit under the ceiling of 100.
    expect(() => loadConfig({ DATA_DIR: dataDir, MAX_LEVERAGE_LIMIT: '5' })).toThrow(/DEFAULT_LEVERAGE_LIMIT: 10 is above MAX_LEVERAGE_LIMIT \(5\)/);
  });

  it('takes the live VaR confidence from VAR_CONFIDENCE_LEVEL (0.95 by default) and refuses one outside [0.5, 1)', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).pool.varConfidence).toBe(0.95);
    expect(loadConfig({ DATA_DIR: dataDir, VAR_CONFIDENCE_LEVEL: '0.99' }).pool.varConfidence).toBe(0.99);
    for (const bad of ['1', '0.4', '95', 'high']) {
      expect(() => loadConfig({ DATA_DIR: dataDir, VAR_CONFIDENCE_LEVEL: bad }), bad).toThrow(/VAR_CONFIDENCE_LEVEL:/);
    }
  });

  it('takes DATABASE_URL and REDIS_URL, and refuses a URL of another scheme, naming the variable', () => {
    const c = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://u@db:5432/risk', REDIS_URL: 'redis://cache:6379' });
    expect(c.persistence).toMatchObject({ databaseUrl: 'postgres://u@db:5432/risk', redisUrl: 'redis://cache:6379' });
    try {
      loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'mysql://db/risk', REDIS_URL: 'http://cache:6379' });
      expect.unreachable('loadConfig accepted URLs of other schemes');
    } catch (e) {
      const problems = (e as ConfigError).problems;
      expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\//), expect.stringMatching(/^REDIS_URL: must be a redis:\/\//)]);
    }
  });

  it('refuses a DATABASE_URL whose password holds a bare %, which every client of it would fail to decode', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://u:50%@db:5432/risk' })).toThrow(/DATABASE_URL: must be a URL whose user and password are percent-encoded/);
    expect(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://u:50%25@db:5432/risk' }).persistence).toMatchObject({ databaseUrl: 'postgres://u:50%25@db:5432/risk' });
  });
});

describe('loadConfig: encryption in transit', () => {
  const cert = makeTestCert();
  const other = makeTestCert();
  afterAll(() => {
    cert.cleanup();
    other.cleanup();
  });

  it('terminates TLS with a readable certificate and its own key, and stays plaintext without them', () => {
    const c = loadConfig({ DATA_DIR: dataDir, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile });
    expect(c.tls).toEqual({ certFile: cert.certFile, keyFile: cert.keyFile });
    expect(c.tlsTerminatedByProxy).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir }).tls).toBeUndefined();
  });

  it('refuses a certificate without its key, or a key without its certificate', () => {
    expect(problemsOf({ TLS_CERT_FILE: cert.certFile })).toMatch(/TLS_CERT_FILE, TLS_KEY_FILE: set both or neither \(only TLS_CERT_FILE is set\)/);
    expect(problemsOf({ TLS_KEY_FILE: cert.keyFile })).toMatch(/only TLS_KEY_FILE is set/);
    expect(problemsOf({ TLS_KEY_PASSPHRASE: 'x' })).toMatch(/TLS_KEY_PASSPHRASE: set without TLS_KEY_FILE/);
  });

  it('names each unreadable TLS file, and a key that belongs to another certificate', () => {
    const missing = problemsOf({ TLS_CERT_FILE: join(cert.dir, 'nope.pem'), TLS_KEY_FILE: join(cert.dir, 'nokey.pem') });
    expect(missing).toContain(`TLS_CERT_FILE: cannot read ${join(cert.dir, 'nope.pem')} (ENOENT)`);
    expect(missing).toContain(`TLS_KEY_FILE: cannot read ${join(cert.dir, 'nokey.pem')} (ENOENT)`);
    expect(problemsOf({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: other.keyFile })).toContain(`TLS_KEY_FILE: ${other.keyFile} is not the key of the certificate in ${cert.certFile}`);
    const swapped = problemsOf({ TLS_CERT_FILE: cert.keyFile, TLS_KEY_FILE: cert.certFile });
    expect(swapped).toContain('TLS_CERT_FILE: ');
    expect(swapped).toContain('holds no PEM certificate');
    expect(swapped).toContain('holds no PEM private key');
  });

  it('opens an encrypted key with TLS_KEY_PASSPHRASE and says when it is missing or wrong', () => {
    const env = { TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.encryptedKeyFile };
    expect(loadConfig({ DATA_DIR: dataDir, ...env, TLS_KEY_PASSPHRASE: cert.passphrase }).tls?.passphrase).toBe(cert.passphrase);
    expect(problemsOf(env)).toMatch(/TLS_KEY_FILE: .* is encrypted and TLS_KEY_PASSPHRASE is not set/);
    expect(problemsOf({ ...env, TLS_KEY_PASSPHRASE: 'wrong-passphrase' })).toMatch(/TLS_KEY_PASSPHRASE does not open it/);
  });

  it('lists every production rule a start breaks at once', () => {
    const problems = (() => {
      try {
        // A data folder of its own: production has no signing key there.
        loadConfig({ DATA_DIR: mkdtempSync(join(dataDir, 'prod-')), NODE_ENV: 'production' });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    expect(problems.map((p) => p.split(':')[0])).toEqual(['SIGNING_KEYS_DIR', 'ENCRYPTION_KEY', 'DATABASE_URL', 'TLS_CERT_FILE, TLS_KEY_FILE', 'FIRM_LEI', 'FIRM_COUNTRY', 'TRADING_VENUE_MIC']);
  });

  it('refuses plaintext in production unless a TLS-terminating proxy is declared in front', () => {
    const prod = { NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', SIGNING_KEYS_DIR: keysDir, ENCRYPTION_KEY: masterKey, DATABASE_URL: 'postgres://db/prod' };
    expect(problemsOf(prod)).toMatch(/TLS_CERT_FILE, TLS_KEY_FILE: required in production.*TLS_TERMINATED_BY_PROXY=true/);
    expect(loadConfig({ DATA_DIR: dataDir, ...prod, TLS_TERMINATED_BY_PROXY: 'true' })).toMatchObject({ tlsTerminatedByProxy: true });
    expect(loadConfig({ DATA_DIR: dataDir, ...prod, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile }).tls?.certFile).toBe(cert.certFile);
    expect(problemsOf({ ...prod, TLS_TERMINATED_BY_PROXY: 'yes' })).toMatch(/TLS_TERMINATED_BY_PROXY: true or false/);
  });
});

describe('the master keys of field encryption (ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS)', () => {
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadConfig({ DATA_DIR: dataDir, ...env });
    } catch (e) {
      return (e as ConfigError).problems.join('\n');
    }
    return '';
  };

  it('takes a 32-byte key as base64 or hex, names it by an id derived from the key that does not reveal it', () => {
    const key = randomBytes(32);
    const fromBase64 = loadConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY: key.toString('base64') }).encryption;
    const fromHex = loadConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY: key.toString('hex') }).encryption;
    expect(fromBase64.current.key.equals(key)).toBe(true);
    expect(fromHex.current).toEqual(fromBase64.current);
    expect(fromBase64).toMatchObject({ source: 'env', previous: [] });
    expect(fromBase64.current.id).toMatch(/^mk-[A-Za-z0-9_-]{12}$/);
    expect(fromBase64.current.id).not.toContain(key.toString('base64url').slice(0, 12));
    expect(loadConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY: randomBytes(32).toString('hex') }).encryption.current.id).not.toBe(fromBase64.current.id);
  });

  it('refuses a short, malformed or placeholder key in any environment, saying the format and never echoing the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(problemsOf({ ENCRYPTION_KEY: short })).toMatch(/^ENCRYPTION_KEY: too short \(24 characters\): expected 32 bytes as base64 \(44 characters\) or hex \(64 characters\)/);
    expect(problemsOf({ ENCRYPTION_KEY: short })).not.toContain(short);
    expect(problemsOf({ ENCRYPTION_KEY: `${'z'.repeat(63)}!` })).toMatch(/^ENCRYPTION_KEY: malformed: expected 32 bytes as base64/);
    expect(problemsOf({ ENCRYPTION_KEY: '0'.repeat(64) })).toMatch(/^ENCRYPTION_KEY: a known default or placeholder key/);
    expect(problemsOf({ ENCRYPTION_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64') })).toMatch(/known default/);
    expect(problemsOf({ ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('base64')}, nope` })).toMatch(/^ENCRYPTION_KEY_PREVIOUS: key 2: too short/);
  });

  it('keeps the previous keys for unwrapping, without the current one or duplicates', () => {
    const [cur, old1, old2] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const e = loadConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY: cur.toString('base64'), ENCRYPTION_KEY_PREVIOUS: [old1.toString('hex'), cur.toString('base64'), old2.toString('base64'), old1.toString('base64')].join(',') }).encryption;
    expect(e.previous.map((k) => k.key)).toEqual([old1, old2]);
    expect(Object.isFrozen(e.previous)).toBe(true);
  });

  it('keeps one development key per data folder, private to its owner, and refuses it in production', () => {
    const a = loadConfig({ DATA_DIR: dataDir }).encryption;
    const b = loadConfig({ DATA_DIR: dataDir }).encryption;
    expect(a.source).toBe('dev-file');
    expect(a.current).toEqual(b.current);
    expect(statSync(join(dataDir, 'dev-encryption-key')).mode & 0o077).toBe(0);
    const prod = { NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', SIGNING_KEYS_DIR: keysDir, DATABASE_URL: 'postgres://db/prod', TLS_TERMINATED_BY_PROXY: 'true' };
    expect(problemsOf(prod)).toMatch(/^ENCRYPTION_KEY: required in production \(the development key file is refused\); 32 bytes as base64/);
    expect(loadConfig({ DATA_DIR: dataDir, ...prod, ENCRYPTION_KEY: masterKey }).encryption.source).toBe('env');
  });
});
