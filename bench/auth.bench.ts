/**
 * What signing in costs, end to end, against the built `risk-engine serve` in a process of its own
 * (durable, on this machine's PostgreSQL in a schema of its own, sessions and rate limits in Redis
 * under a prefix of their own; `--redis-url none` keeps them in PostgreSQL):
 *
 * - login: `POST /auth/login` → 200 with an access and a refresh token, sequentially, beside the
 *   password hash alone in this process (scrypt N = 2^15, r = 8, p = 3: src/gateway/passwords.ts)
 *   and the HTTP floor (`GET /livez` over the same client);
 * - websocket auth: on a new connection, `auth {token}` → `authenticated` with a token from one of
 *   those logins (an EdDSA verification, then the session's revocation check), beside the floor of
 *   a cheap authenticated round trip on the same connection (`subscribe market` → `subscribed`);
 * - `verifyAccess` alone in this process, uncached, in µs.
 *
 * Run: `npm run build && node dist/bench/auth.bench.js [--logins N] [--auths N] [--json FILE]`.
 * Loopback only; the last line is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { hashPassword, verifyPassword } from '../src/gateway/passwords.js';
import { SigningKeyRing } from '../src/gateway/signing-keys.js';
import { JWT_DEFAULTS, Tokens } from '../src/gateway/tokens.js';
import { deleteQueueKeys } from '../src/persistence/queue-keys.js';
import { startChild } from './realtime/child-process.js';
import { repoPath } from './repo-path.js';
import { BenchClient } from './realtime/ws-client.js';

const { values: flags } = parseArgs({
  options: {
    logins: { type: 'string', default: '50' },
    auths: { type: 'string', default: '200' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    json: { type: 'string' },
  },
});
const LOGINS = Number(flags.logins);
const AUTHS = Number(flags.auths);
if (!(Number.isInteger(LOGINS) && LOGINS >= 10 && Number.isInteger(AUTHS) && AUTHS >= 10)) throw new RangeError('--logins and --auths: integers of at least 10');
const redisUrl = flags['redis-url'] === 'none' ? undefined : flags['redis-url'];

interface Summary { readonly p50: number; readonly p99: number; readonly max: number; readonly n: number }
function summary(ms: number[]): Summary {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(s.at(-1)!), n: s.length };
}

async function timed<T>(f: () => Promise<T>, into: number[]): Promise<T> {
  const t0 = performance.now();
  const v = await f();
  into.push(performance.now() - t0);
  return v;
}

const root = repoPath();
const schema = `bench_auth_${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'risk-auth-bench-'));
const PASSWORD = 'a long and quiet passphrase for timing';

async function main(): Promise<void> {
  const engine = await startChild([path.join(root, 'bin', 'risk-engine.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: root, name: 'engine', timeoutMs: 60_000, ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    env: {
      ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATA_DIR: dataDir, SIGNING_KEYS_DIR: path.join(dataDir, 'signing-keys'),
      PERSISTENCE: 'durable', DATABASE_URL: flags['database-url'], DATABASE_SCHEMA: schema, REDIS_URL: redisUrl ?? '', QUEUE_PREFIX: schema,
      // Measured here is the cost of a login, not the limit on them.
      RATE_LIMIT_AUTH: '1000000:1000000',
    },
  });
  try {
    const base = `http://127.0.0.1:${engine.match[1]}`;
    const post = (url: string, body: unknown) => fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const reg = await post('/auth/register', { email: 'bench@example.com', password: PASSWORD, displayName: 'Bench' });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);

    // Warm-up (JIT, connections, the first scrypt), then the figures, the three kinds taking turns.
    for (let i = 0; i < 3; i++) await (await post('/auth/login', { email: 'bench@example.com', password: PASSWORD })).text();
    const login: number[] = [], floor: number[] = [], hash: number[] = [];
    const stored = await hashPassword(PASSWORD);
    const tokens: string[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const r = await timed(async () => {
        const res = await post('/auth/login', { email: 'bench@example.com', password: PASSWORD });
        return { status: res.status, body: (await res.json()) as { accessToken?: string } };
      }, login);
      if (r.status !== 200 || r.body.accessToken === undefined) throw new Error(`login: ${r.status}`);
      tokens.push(r.body.accessToken);
      await timed(async () => (await fetch(`${base}/livez`)).text(), floor);
      await timed(() => verifyPassword(PASSWORD, stored), hash);
    }

    const wsUrl = `ws://127.0.0.1:${engine.match[1]}/ws`;
    const now = () => performance.now();
    const auth: number[] = [], roundTrip: number[] = [];
    for (let i = 0; i < AUTHS + 10; i++) {
      const c = await BenchClient.connect(wsUrl, now);
      const a: number[] = [], f: number[] = [];
      await timed(() => c.auth(tokens[i % tokens.length]!), a);
      await timed(() => c.subscribe('market', {}, `m${i}`), f);
      await c.close();
      if (i >= 10) { auth.push(a[0]!); roundTrip.push(f[0]!); } // the first ten warm up
    }

    // The verification alone, uncached: a fresh Tokens (empty cache) per token, on the engine's keys.
    const keys = SigningKeyRing.open({ dir: path.join(dataDir, 'signing-keys'), createIfEmpty: false });
    const verifyUs: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (const t of tokens) {
        const v = new Tokens({ keys, ...JWT_DEFAULTS });
        const t0 = performance.now();
        const r = await v.verifyAccess(t, Date.now());
        verifyUs.push((performance.now() - t0) * 1000);
        if (!r.ok) throw new Error(`verifyAccess: ${r.code}`);
      }
    }

    const out = {
      loginMs: summary(login), scryptVerifyMs: summary(hash), httpFloorMs: summary(floor),
      wsAuthMs: summary(auth), wsRoundTripFloorMs: summary(roundTrip), verifyAccessUs: summary(verifyUs.slice(tokens.length)),
      scrypt: 'N=2^15 r=8 p=3', sessions: redisUrl !== undefined ? 'redis' : 'postgresql',
    };
    process.stdout.write(`login over HTTP        p50 ${out.loginMs.p50} ms  p99 ${out.loginMs.p99} ms  (n=${LOGINS})\n`);
    process.stdout.write(`  scrypt verify alone  p50 ${out.scryptVerifyMs.p50} ms  p99 ${out.scryptVerifyMs.p99} ms  (${out.scrypt})\n`);
    process.stdout.write(`  HTTP floor (/livez)  p50 ${out.httpFloorMs.p50} ms  p99 ${out.httpFloorMs.p99} ms\n`);
    process.stdout.write(`websocket auth         p50 ${out.wsAuthMs.p50} ms  p99 ${out.wsAuthMs.p99} ms  (n=${AUTHS})\n`);
    process.stdout.write(`  round-trip floor     p50 ${out.wsRoundTripFloorMs.p50} ms  p99 ${out.wsRoundTripFloorMs.p99} ms  (subscribe market)\n`);
    process.stdout.write(`  verifyAccess alone   p50 ${out.verifyAccessUs.p50} µs  p99 ${out.verifyAccessUs.p99} µs  (uncached)\n`);
    if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify(out, null, 2));
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: flags['database-url'] });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
    if (redisUrl !== undefined) await deleteQueueKeys(redisUrl, schema).catch(() => {});
  }
}

await main();
