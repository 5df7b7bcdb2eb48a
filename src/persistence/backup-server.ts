/**
 * Backups of the engine's schema on a PostgreSQL server: pg_dump in its custom format, which
 * reads everything in one REPEATABLE READ snapshot, so a backup taken while the engine writes is
 * the database of one instant (journal batches committed but not yet projected are in it, and the
 * engine restored from it projects them at start, as after a crash).
 *
 * A dump names its schema in every statement, so restoring under another name (the drill's fresh
 * schema, beside the live one) goes through a scratch database: restored there, renamed, dumped
 * again and restored into the target. That needs CREATEDB; restoring under the backup's own
 * schema name (into another database, or after the old schema is gone) does not.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BackupError } from './backup-error.js';
import { type BackupManifest, type OpenedBackup, refuseExisting, refuseNewerSchema, writeBackupFile } from './backup-file.js';
import { quoteSchema, redactUrl } from './database.js';
import { findPgTool, runTool, toolConnection } from './pg-tools.js';
import { acquireWriterLock } from './writer-lock.js';

async function withClient<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch (e) {
    throw new BackupError('BACKUP_TOOL_FAILED', `cannot reach PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await run(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function serverVersion(c: pg.Client): Promise<{ major: number; version: string }> {
  const r = await c.query<{ server_version_num: string }>('SHOW server_version_num');
  const v = await c.query<{ server_version: string }>('SHOW server_version');
  return { major: Math.floor(Number(r.rows[0]!.server_version_num) / 10_000), version: v.rows[0]!.server_version };
}

async function migrationLevel(c: pg.Client, schema: string): Promise<number | undefined> {
  const t = await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${quoteSchema(schema)}.app_migrations`]);
  if (t.rows[0]?.t == null) return undefined;
  const r = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteSchema(schema)}.app_migrations`);
  return r.rows[0]?.v ?? 0;
}

/** Backs up `schema` of the server at `url` into `to`. */
export async function backupServer(url: string, schema: string, to: string, opts: { force: boolean; engineVersion: string }): Promise<BackupManifest> {
  refuseExisting(to, opts.force);
  const { version, major, level } = await withClient(url, async (c) => {
    const level = await migrationLevel(c, schema);
    if (level === undefined) throw new BackupError('BACKUP_FILE_MISSING', `schema ${schema} at ${redactUrl(url)} holds no engine database (no app_migrations): check DATABASE_SCHEMA`);
    return { ...(await serverVersion(c)), level };
  });
  const pgDump = await findPgTool('pg_dump', major);
  const work = mkdtempSync(join(tmpdir(), 'risk-engine-backup-'));
  try {
    const payload = join(work, 'schema.dump');
    const conn = toolConnection(url);
    await runTool(pgDump, ['--format=custom', `--schema=${schema}`, '--no-owner', '--no-privileges', `--file=${payload}`, `--dbname=${conn.dbname}`], conn.env);
    return await writeBackupFile(to, {
      engineVersion: opts.engineVersion, kind: 'external', payloadFormat: 'pg_dump-custom', schema, migrationLevel: level, serverVersion: version,
    }, payload, { force: opts.force });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Restores a server backup into `schema` of the server at `url`. A schema there that holds
 * anything is refused unless `force`, which drops it first.
 */
export async function restoreServer(backup: OpenedBackup, url: string, schema: string, opts: { force: boolean }): Promise<{ schema: string; migrationLevel: number; viaScratchDatabase: boolean }> {
  const m = backup.manifest;
  if (m.kind !== 'external') {
    throw new BackupError('BACKUP_WRONG_KIND', `this is a backup of the embedded database (schema ${m.schema}): restore it without DATABASE_URL, into a fresh DATA_DIR`);
  }
  refuseNewerSchema(m);
  // The target's writer lock, held for the whole restore: an engine running on the schema refuses
  // the restore (even with --force, which would drop its tables under it), and an engine started
  // meanwhile waits out the restore instead of reading a half-restored schema.
  const lock = await acquireWriterLock({ connectionString: url }, schema, { onLost: () => {} }).catch((e: unknown) => {
    throw new BackupError('BACKUP_TARGET_IN_USE', `cannot restore into schema ${schema}: ${(e as Error).message}; stop that engine first`, { cause: e });
  });
  try {
    return await restoreLocked(backup, url, schema, opts);
  } finally {
    await lock.release();
  }
}

async function restoreLocked(backup: OpenedBackup, url: string, schema: string, opts: { force: boolean }): Promise<{ schema: string; migrationLevel: number; viaScratchDatabase: boolean }> {
  const m = backup.manifest;
  const quoted = quoteSchema(schema);
  const major = await withClient(url, async (c) => {
    const objects = await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1', [schema]);
    const exists = (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
    if (Number(objects.rows[0]!.n) > 0 && !opts.force) {
      throw new BackupError('BACKUP_TARGET_EXISTS', `schema ${schema} at ${redactUrl(url)} is not empty (${objects.rows[0]!.n} tables, sequences and indexes): restore into a fresh schema (--schema), or --force to drop it and restore`);
    }
    // Empty, or to be replaced as told: the dump creates the schema itself.
    if (exists) await c.query(`DROP SCHEMA ${quoted} CASCADE`);
    return (await serverVersion(c)).major;
  });
  const pgRestore = await findPgTool('pg_restore', major);
  const restoreArgs = ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction'];
  let viaScratchDatabase = false;
  if (schema === m.schema) {
    const conn = toolConnection(url);
    await runTool(pgRestore, [...restoreArgs, `--dbname=${conn.dbname}`], conn.env, { stdin: backup.payload() });
  } else {
    viaScratchDatabase = true;
    await restoreRenamed(backup, url, schema, major, pgRestore, restoreArgs);
  }
  const level = await withClient(url, (c) => migrationLevel(c, schema));
  if (level !== m.migrationLevel) throw new BackupError('BACKUP_CORRUPT', `the restored schema ${schema} is at migration ${String(level)}, the manifest says ${m.migrationLevel}`);
  return { schema, migrationLevel: level, viaScratchDatabase };
}

async function restoreRenamed(backup: OpenedBackup, url: string, schema: string, major: number, pgRestore: Awaited<ReturnType<typeof findPgTool>>, restoreArgs: string[]): Promise<void> {
  const m = backup.manifest;
  const scratch = `risk_engine_restore_${randomBytes(6).toString('hex')}`;
  const scratchUrl = new URL(url);
  scratchUrl.pathname = `/${scratch}`;
  await withClient(url, async (c) => {
    try {
      await c.query(`CREATE DATABASE "${scratch}"`);
    } catch (e) {
      throw new BackupError('BACKUP_TOOL_FAILED', `restoring schema ${m.schema} under another name (${schema}) goes through a scratch database, which could not be created (${(e as Error).message}): grant CREATEDB, or restore under the name ${m.schema} (--schema ${m.schema}) into a database that has no such schema`, { cause: e });
    }
  });
  const work = mkdtempSync(join(tmpdir(), 'risk-engine-restore-'));
  try {
    const scratchConn = toolConnection(scratchUrl.toString());
    await runTool(pgRestore, [...restoreArgs, `--dbname=${scratchConn.dbname}`], scratchConn.env, { stdin: backup.payload() });
    await withClient(scratchUrl.toString(), (c) => c.query(`ALTER SCHEMA ${quoteSchema(m.schema)} RENAME TO ${quoteSchema(schema)}`));
    const renamed = join(work, 'renamed.dump');
    const pgDump = await findPgTool('pg_dump', major);
    await runTool(pgDump, ['--format=custom', `--schema=${schema}`, '--no-owner', '--no-privileges', `--file=${renamed}`, `--dbname=${scratchConn.dbname}`], scratchConn.env);
    const conn = toolConnection(url);
    await runTool(pgRestore, [...restoreArgs, `--dbname=${conn.dbname}`, renamed], conn.env);
  } finally {
    await rm(work, { recursive: true, force: true });
    await withClient(url, (c) => c.query(`DROP DATABASE IF EXISTS "${scratch}"${major >= 13 ? ' WITH (FORCE)' : ''}`)).catch(() => {});
  }
}
