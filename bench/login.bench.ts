/**
 * What a login costs, end to end through the account service on PostgreSQL (a schema of its own,
 * dropped afterwards): a successful login (scrypt verification, the session row, an EdDSA access
 * token) and the three refusals that must be indistinguishable, a wrong password, an unknown
 * email (verified against a dummy hash) and a locked account. The password hash's cost is in
 * src/gateway/passwords.ts (scrypt N = 2^15, r = 8, p = 3).
 *
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), LOGINS (default 50).
 * Run: `npx tsx bench/login.bench.ts`. The last line is one JSON object (ms).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AccountService } from '../src/gateway/identity/account-service.js';
import { openDatabase } from '../src/persistence/database.js';
import { PgIdentityStore } from '../src/persistence/identity-store-pg.js';
import { pgDataKeys } from '../src/persistence/data-keys.js';
import { masterKeyId } from '../src/persistence/master-keys.js';
import { migrate } from '../src/persistence/migrate.js';
import { PgSessionStore } from '../src/persistence/session-store-pg.js';
import { accountTokens } from '../test/gateway/account-tokens.js';

const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LOGINS = Number(process.env.LOGINS ?? 50);
if (!(Number.isInteger(LOGINS) && LOGINS >= 10)) throw new RangeError(`LOGINS must be an integer >= 10, got ${process.env.LOGINS}`);

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

type Case = (i: number) => Promise<unknown>;

/** The cases take turns, so that a burst of load from elsewhere on the machine falls on all of them alike. */
async function interleaved(n: number, cases: Record<string, Case>): Promise<Record<string, { p50: number; p99: number; max: number }>> {
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    for (const [name, f] of Object.entries(cases)) {
      const t0 = performance.now();
      await f(i);
      ms[name]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(ms).map(([name, xs]) => {
    xs.sort((a, b) => a - b);
    return [name, { p50: r3(quantile(xs, 0.5)), p99: r3(quantile(xs, 0.99)), max: r3(xs.at(-1) as number) }];
  }));
}

const master = randomBytes(32);
const keys = accountTokens();
const schema = `bench_login_${randomBytes(4).toString('hex')}`;
const db = await openDatabase({ url: PG_URL, schema, dataDir: '/tmp', poolSize: 4 });
try {
  await migrate(db.pool);
  const sessions = new PgSessionStore({ pool: db.pool, connection: db.connection, schema });
  await sessions.start();
  const service = new AccountService({ identity: new PgIdentityStore(db.pool), sessions, tokens: keys.tokens, dataKeys: pgDataKeys(db.pool, { current: { id: masterKeyId(master), key: master }, previous: [] }), audit: async () => {} });
  const password = 'correct horse battery staple 42';
  const caller = { ip: '127.0.0.1' };
  const register = async (email: string) => {
    const r = await service.register({ email, password, displayName: 'Bench User' }, caller);
    if (!r.ok) throw new Error(r.message);
  };
  await register('ok@example.com');
  await register('locked@example.com');
  for (let i = 0; i < 5; i++) await service.login({ email: 'locked@example.com', password: 'wrong wrong wrong' }, caller);
  // One user per wrong attempt would need LOGINS registrations; four attempts each stay under the lockout.
  const wrongUsers = Math.ceil(LOGINS / 4);
  for (let i = 0; i < wrongUsers; i++) await register(`wrong${i}@example.com`);
  await service.login({ email: 'warm-up@example.com', password }, caller); // the dummy hash is made at construction

  const result = {
    scrypt: 'N=2^15 r=8 p=3 (32 MiB)',
    logins: LOGINS,
    ...(await interleaved(LOGINS, {
      success: async () => {
        const r = await service.login({ email: 'ok@example.com', password }, caller);
        if (!r.ok) throw new Error(r.message);
      },
      wrongPassword: (i) => service.login({ email: `wrong${Math.floor(i / 4)}@example.com`, password: 'not the password' }, caller),
      unknownEmail: (i) => service.login({ email: `nobody${i}@example.com`, password }, caller),
      locked: () => service.login({ email: 'locked@example.com', password }, caller),
    })),
  };
  await sessions.close();
  console.log(JSON.stringify(result));
} finally {
  await db.close();
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
  keys.remove();
}
