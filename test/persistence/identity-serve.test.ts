/**
 * Identity end to end in the built `risk-engine serve`, as an operator and its users meet it: this
 * machine's PostgreSQL (a schema of its own) and Redis (sessions, rate limits and queues under a
 * prefix of their own). The first admin comes from BOOTSTRAP_ADMIN_EMAIL at a restart, needs MFA
 * before it may administer anyone, grants a trader a portfolio; refresh tokens rotate and a reused
 * one revokes the family (audited); an admin's revocation closes the user's websocket within a
 * second; lockout answers like an unknown email; an API key lives and dies (its websockets closed within a second of its revocation); a burst on /auth/* from
 * one address is refused with 429 while another address signs in.
 */
import { request } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/gateway/totp.js';
import { Client, type Msg } from '../gateway/harness.js';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { deleteRedisKeys, randomName, REDIS_URL } from './queue-harness.js';
import { killServes, type ServeProcess, serveToken, startServe, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
const OPS = 'Ops.Lead@Example.com';
const TINA = 'tina@example.com';
const PASSWORD = 'correct horse battery staple 42';

let t: DbTarget;
let prefix: string;
let engine: ServeProcess;
let sql: pg.Client;

type Answer = { status: number; json: Msg; headers: Headers };

async function call(method: string, url: string, opts: { bearer?: string; apiKey?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.apiKey !== undefined) headers.authorization = `ApiKey ${opts.apiKey}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`http://127.0.0.1:${engine.port}${url}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await r.text();
  return { status: r.status, json: (text === '' ? {} : JSON.parse(text)) as Msg, headers: r.headers };
}

/** A POST from another loopback address (fetch cannot choose one): for the per-address limit. */
function postFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port: engine.port, method: 'POST', path: url, localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Audit records reach audit_log when the journal's projection runs, just after the commit. */
async function audited(where: string, params: unknown[] = []): Promise<number> {
  const until = Date.now() + 10_000;
  for (;;) {
    const n = (await sql.query(`SELECT 1 FROM audit_log WHERE ${where}`, params)).rowCount ?? 0;
    if (n > 0 || Date.now() > until) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function serve(extra: Record<string, string> = {}): Promise<ServeProcess> {
  return startServe({ SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL, QUEUE_PREFIX: prefix, ...extra });
}

async function stop(p: ServeProcess): Promise<void> {
  p.proc.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

const ids: { ops?: string; tina?: string } = {};
let opsToken = '';
let opsSecret = '';

beforeAll(async () => {
  t = newTarget('external');
  prefix = randomName('ident');
  sql = new pg.Client({ connectionString: t.url, options: `-c search_path=${t.schema}` });
  engine = await serve();
  await sql.connect();
}, 60_000);

afterAll(async () => {
  killServes();
  await sql?.end();
  await deleteRedisKeys(prefix);
  await t?.cleanup();
});

describe('identity in serve', () => {
  it('registers accounts (201, a new account trades nothing), refuses a common password, and limits /auth/* per address', async () => {
    expect(await call('POST', '/auth/register', { body: { email: 'x@example.com', password: 'password1234', displayName: 'X' } })).toMatchObject({ status: 400, json: { code: 'PASSWORD_TOO_COMMON' } });
    const ops = await call('POST', '/auth/register', { body: { email: OPS, password: PASSWORD, displayName: 'Olga Ops' } });
    const tina = await call('POST', '/auth/register', { body: { email: TINA, password: PASSWORD, displayName: 'Tina Trader' } });
    expect([ops.status, tina.status]).toEqual([201, 201]);
    ids.ops = ops.json.userId as string;
    ids.tina = tina.json.userId as string;
    // Default RATE_LIMIT_AUTH: a burst of 10 per address, 1 a second back. Another address is untouched.
    const burst = await Promise.all(Array.from({ length: 14 }, () => postFrom('127.0.0.3', '/auth/login', { email: 'nobody@example.com', password: PASSWORD })));
    const refused = burst.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(Number(refused[0]!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await postFrom('127.0.0.4', '/auth/login', { email: TINA, password: PASSWORD })).status).toBe(200);
  }, 60_000);

  it('makes the bootstrap admin at a restart, gives it no privileged grant before MFA, then everything after it', async () => {
    await stop(engine);
    engine = await serve({ BOOTSTRAP_ADMIN_EMAIL: 'ops.lead@example.com', RATE_LIMIT_AUTH: '1000:1000' });
    const first = await call('POST', '/auth/login', { body: { email: OPS, password: PASSWORD } });
    expect(first).toMatchObject({ status: 200, json: { mfaSetupRequired: true, accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 1800 } });
    const weak = first.json.accessToken as string;
    expect(await call('POST', `/admin/users/${ids.tina}/portfolios`, { bearer: weak, body: { role: 'trader', portfolios: ['ID1'] } })).toMatchObject({ status: 403 });

    const setup = await call('POST', '/auth/mfa/setup', { bearer: weak });
    expect(setup).toMatchObject({ status: 200, json: { secret: expect.any(String), otpauthUrl: expect.stringMatching(/^otpauth:\/\/totp\//), qrSvg: expect.stringMatching(/^<svg/) } });
    opsSecret = setup.json.secret as string;
    // The issue's form: {code} with the access token turns MFA on and shows ten backup codes once.
    const on = await call('POST', '/auth/mfa/verify', { bearer: weak, body: { code: totpCode(opsSecret, Date.now()) } });
    expect(on.status).toBe(200);
    expect(on.json.backupCodes).toHaveLength(10);

    const second = await call('POST', '/auth/login', { body: { email: OPS, password: PASSWORD } });
    expect(second).toMatchObject({ status: 200, json: { mfaRequired: true, mfaToken: expect.any(String) } });
    expect(second.json.accessToken).toBeUndefined();
    // An MFA token opens nothing but the end of the login.
    expect((await call('GET', '/auth/me', { bearer: second.json.mfaToken as string })).status).toBe(401);
    // The code of the next step (one step of drift): the current one was spent turning MFA on.
    const done = await call('POST', '/auth/mfa/verify', { body: { mfaToken: second.json.mfaToken, code: totpCode(opsSecret, Date.now() + 30_000) } });
    expect(done).toMatchObject({ status: 200, json: { accessToken: expect.any(String), refreshToken: expect.any(String) } });
    opsToken = done.json.accessToken as string;
    expect(await call('GET', '/auth/me', { bearer: opsToken })).toMatchObject({ status: 200, json: { userId: ids.ops, email: 'ops.lead@example.com', displayName: 'Olga Ops', mfaEnabled: true, grants: expect.arrayContaining([{ role: 'admin', portfolios: ['*'] }]) } });
    expect(await audited("action = 'user.admin.bootstrapped' AND entity_id = $1 AND actor = 'engine'", [ids.ops])).toBe(1);
  }, 60_000);

  it('lets the admin grant a portfolio, the trader refresh into it, and revokes the family when a used refresh token comes back', async () => {
    expect((await call('POST', '/portfolios', { bearer: opsToken, body: { portfolioId: 'ID1', cash: 1_000_000 } })).status).toBe(201);
    const login = await call('POST', '/auth/login', { body: { email: TINA, password: PASSWORD } });
    expect((await call('GET', '/portfolios/ID1', { bearer: login.json.accessToken as string })).status).toBe(403);
    const granted = await call('POST', `/admin/users/${ids.tina}/portfolios`, { bearer: opsToken, body: { role: 'trader', portfolios: ['ID1'] } });
    expect(granted).toMatchObject({ status: 200, json: { grants: [{ role: 'trader', portfolios: ['ID1'] }] } });

    const fresh = await call('POST', '/auth/refresh', { body: { refreshToken: login.json.refreshToken } });
    expect(fresh.status).toBe(200);
    expect(fresh.json.refreshToken).not.toBe(login.json.refreshToken);
    expect((await call('GET', '/portfolios/ID1', { bearer: fresh.json.accessToken as string })).status).toBe(200);
    // The used one again: the whole family ends, the newest pair included.
    expect(await call('POST', '/auth/refresh', { body: { refreshToken: login.json.refreshToken } })).toMatchObject({ status: 401, json: { code: 'REFRESH_REUSED' } });
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: fresh.json.refreshToken } })).status).toBe(401);
    expect((await call('GET', '/portfolios/ID1', { bearer: fresh.json.accessToken as string })).status).toBe(401);
    expect(await audited("action = 'auth.refresh.reused'")).toBe(1);
  }, 30_000);

  it("closes the user's open websocket within a second of an admin revoking their sessions", async () => {
    const login = await call('POST', '/auth/login', { body: { email: TINA, password: PASSWORD } });
    const ws = await Client.login(`ws://127.0.0.1:${engine.port}/ws`, login.json.accessToken as string);
    const t0 = Date.now();
    expect(await call('POST', `/admin/users/${ids.tina}/revoke-sessions`, { bearer: opsToken })).toMatchObject({ status: 200, json: { sessionsRevoked: expect.any(Number) } });
    expect(await ws.closed).toMatchObject({ code: 4005 });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await call('GET', '/portfolios/ID1', { bearer: login.json.accessToken as string })).status).toBe(401);
  }, 30_000);

  it('locks an account after five failures and answers it exactly as an unknown email or a wrong password', async () => {
    const wrong = { email: TINA, password: `${PASSWORD}!` };
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await call('POST', '/auth/login', { body: wrong }));
    const locked = await call('POST', '/auth/login', { body: { email: TINA, password: PASSWORD } });
    const unknown = await call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: PASSWORD } });
    // Same status, same body (but for the request id every answer carries).
    const shape = (a: Answer) => ({ status: a.status, code: a.json.code, message: a.json.message, fields: Object.keys(a.json).sort() });
    for (const a of [...answers, locked, unknown]) expect(shape(a)).toEqual(shape(answers[0]!));
    expect(answers[0]!.json.code).toBe('LOGIN_FAILED');
    expect(await audited("action = 'auth.login.locked' AND entity_id = $1", [ids.tina])).toBe(1);
  }, 60_000);

  it('creates an API key shown once, serves REST and the websocket with it, lists it without the secret, refuses it once revoked and closes its websockets within a second', async () => {
    const created = await call('POST', '/auth/api-keys', { bearer: opsToken, body: { name: 'ops-bot', roles: ['admin'], portfolios: ['*'] } });
    expect(created.status).toBe(201);
    const { id, key } = created.json as { id: string; key: string };
    expect((await call('GET', '/portfolios/ID1', { apiKey: key })).status).toBe(200);
    const ws = await Client.connect(`ws://127.0.0.1:${engine.port}/ws`);
    expect(await ws.request({ type: 'auth', apiKey: key })).toMatchObject({ type: 'authenticated' });
    // The key in the upgrade's Authorization header authenticates too; the owner's own login does not use the key.
    const wsByHeader = await Client.connect(`ws://127.0.0.1:${engine.port}/ws`, { apiKeyHeader: key });
    const wsOwner = await Client.login(`ws://127.0.0.1:${engine.port}/ws`, opsToken);
    const listed = await call('GET', '/auth/api-keys', { bearer: opsToken });
    expect(listed.json.apiKeys).toEqual([expect.objectContaining({ id, name: 'ops-bot' })]);
    expect(JSON.stringify(listed.json)).not.toContain(key.split('.')[1]!);
    // A key may not exceed its creator: the admin holds no feed grant.
    expect((await call('POST', '/auth/api-keys', { bearer: opsToken, body: { name: 'feed', roles: ['feed'], portfolios: ['*'] } })).status).toBe(403);
    const t0 = Date.now();
    expect((await call('DELETE', `/auth/api-keys/${id}`, { bearer: opsToken })).status).toBe(200);
    for (const c of [ws, wsByHeader]) {
      expect(await c.closed).toMatchObject({ code: 4005 });
      expect(c.received).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^API_KEY_REVOKED: /) }));
    }
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await wsOwner.request({ type: 'subscribe', channel: 'orders', portfolioId: 'ID1' })).toMatchObject({ type: 'subscribed' });
    await wsOwner.close();
    expect((await call('GET', '/portfolios/ID1', { apiKey: key })).status).toBe(401);
  }, 30_000);

  it('screens a name against the sanctions list it loaded at start, for a compliance officer', async () => {
    const officer = await serveToken(KEYS, 'cora', ['compliance_officer'], ['*']);
    const hit = await call('POST', '/compliance/sanctions-check', { bearer: officer, body: { name: 'Usama bin Laden', type: 'individual' } });
    expect(hit).toMatchObject({ status: 200, json: { decision: 'block', listVersion: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(hit.json.matches[0]).toMatchObject({ entNum: expect.any(Number), programs: expect.arrayContaining([expect.any(String)]) });
    expect((await call('POST', '/compliance/sanctions-check', { bearer: officer, body: { name: 'Margaret Thompson' } })).json.decision).toBe('clear');
    expect((await call('POST', '/compliance/sanctions-check', { bearer: await serveToken(KEYS, 'tom', ['trader'], ['*']), body: { name: 'x' } })).status).toBe(403);
  });

  it('publishes the public keys its tokens verify with', async () => {
    const jwks = await call('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.json.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) })]);
    expect(JSON.stringify(jwks.json)).not.toMatch(/"d"/);
  });
});
