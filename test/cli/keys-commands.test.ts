/**
 * `risk-engine keys status` and `keys rotate` as an operator runs them: the built CLI in a child
 * process, configured by the environment, on this machine's PostgreSQL (a fresh schema, dropped
 * afterwards). Needs `npm run build`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { decryptField, encryptField } from '../../src/persistence/field-crypto.js';
import { masterKeyId } from '../../src/persistence/master-keys.js';
import { migrate } from '../../src/persistence/migrate.js';
import { newTarget, type DbTarget } from '../persistence/pg-fixture.js';
import { type CliRun, runBinIn } from './run-cli.js';

const keyOf = (b: Buffer) => ({ id: masterKeyId(b), key: b });
const OLD = randomBytes(32);
const NEW = randomBytes(32);
const STRANGER = randomBytes(32);

let t: DbTarget;
let pool: pg.Pool;
beforeAll(async () => {
  t = newTarget('external');
  pool = new pg.Pool({ connectionString: t.url, max: 2, options: `-c search_path="${t.schema}"` });
  await pool.query(`CREATE SCHEMA "${t.schema}"`);
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
  await t?.cleanup();
});

const keys = (env: Record<string, string>, ...argv: string[]): Promise<CliRun> =>
  runBinIn(t.dataDir, { PATH: process.env.PATH, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...env }, ['keys', ...argv]);

const where = (u: string) => ({ table: 'users', column: 'email', rowId: u });

describe('risk-engine keys', () => {
  it('rotates every data key to ENCRYPTION_KEY so that the fields read with it alone, reports per master key, and a second run changes nothing', { timeout: 60_000 }, async () => {
    const users = Array.from({ length: 7 }, (_, i) => `cli-u${i}`);
    const before = pgDataKeys(pool, { current: keyOf(OLD), previous: [] });
    const fields = new Map<string, string>();
    for (const u of users) fields.set(u, encryptField(await before.forUser(u), `${u}@example.com`, where(u)));

    const both = { ENCRYPTION_KEY: NEW.toString('base64'), ENCRYPTION_KEY_PREVIOUS: OLD.toString('hex') };
    expect(await keys(both, 'status')).toEqual({ code: 0, stderr: '', stdout: `${masterKeyId(NEW)} current  0 data keys\n${masterKeyId(OLD)} previous 7 data keys\n` });

    const rotated = await keys(both, 'rotate', '--batch', '3');
    expect(rotated).toMatchObject({ code: 0, stdout: `master key ${masterKeyId(NEW)} (ENCRYPTION_KEY): 7 data keys re-wrapped, 0 already under it, 0 failed\n` });
    expect(rotated.stderr).toBe('re-wrapped 3 data keys so far\nre-wrapped 6 data keys so far\nre-wrapped 7 data keys so far\n');

    const after = pgDataKeys(pool, { current: keyOf(NEW), previous: [] });
    for (const u of users) {
      const envelope = fields.get(u)!;
      const keyId = envelope.split('.')[1]!;
      const key = await after.find(u, keyId);
      expect(decryptField((id) => (id === keyId ? key : undefined), envelope, where(u))).toEqual({ ok: true, value: `${u}@example.com` });
    }
    const onlyNew = { ENCRYPTION_KEY: NEW.toString('hex') };
    expect(await keys(onlyNew, 'status')).toEqual({ code: 0, stderr: '', stdout: `${masterKeyId(NEW)} current  7 data keys\n` });
    expect(await keys(both, 'rotate')).toEqual({ code: 0, stderr: '', stdout: `master key ${masterKeyId(NEW)} (ENCRYPTION_KEY): 0 data keys re-wrapped, 7 already under it, 0 failed\n` });
  });

  it('names the user whose data key no configured master key opens, rotates the rest, and exits 1', { timeout: 60_000 }, async () => {
    await pgDataKeys(pool, { current: keyOf(STRANGER), previous: [] }).forUser('cli-orphan');
    await pgDataKeys(pool, { current: keyOf(OLD), previous: [] }).forUser('cli-late');
    const r = await keys({ ENCRYPTION_KEY: NEW.toString('base64'), ENCRYPTION_KEY_PREVIOUS: OLD.toString('base64') }, 'rotate', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      rewrapped: 1, alreadyCurrent: 7, currentMasterKeyId: masterKeyId(NEW),
      failed: [{ userId: 'cli-orphan', keyId: expect.stringMatching(/^dk-/), masterKeyId: masterKeyId(STRANGER), code: 'DATA_KEY_MASTER_UNKNOWN', message: expect.stringContaining('of user cli-orphan is wrapped by master key') }],
    });
    const status = await keys({ ENCRYPTION_KEY: NEW.toString('base64') }, 'status');
    expect(status).toEqual({ code: 1, stderr: '', stdout: `${masterKeyId(NEW)} current  8 data keys\n${masterKeyId(STRANGER)} unknown  1 data keys\n` });
    const text = await keys({ ENCRYPTION_KEY: NEW.toString('base64') }, 'rotate');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^FAILED user cli-orphan: DATA_KEY_MASTER_UNKNOWN: data key dk-\\S+ of user cli-orphan is wrapped by master key ${masterKeyId(STRANGER)}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS\\n`));
  });

  it('refuses a malformed ENCRYPTION_KEY naming the variable, and a missing subcommand as a usage error', { timeout: 60_000 }, async () => {
    const bad = await keys({ ENCRYPTION_KEY: 'not-a-key' }, 'rotate');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ENCRYPTION_KEY: too short \(9 characters\): expected 32 bytes as base64 \(44 characters\) or hex \(64 characters\)/);
    const none = await keys({});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^risk-engine keys: keys: expected a subcommand \(rotate, status\)/);
  });
});
