/**
 * Backups of the embedded database (PGlite): its data directory as a tarball (dumpDataDir).
 *
 * PGlite's files belong to the engine's process while it runs, so a backup of a running engine is
 * taken by that process: it serves a second Unix socket beside the database's own, in the same
 * folder only its user can enter (embedded-socket-dir.ts). Whoever can open that folder can
 * already read the whole database through the PostgreSQL socket, so the backup socket gives no
 * one anything new; it needs no token and opens no port. `risk-engine backup` asks there, and
 * opens the files itself when no engine holds them.
 *
 * Protocol: the client writes BACKUP_REQUEST; the engine answers with the backup file's bytes
 * (they start with the backup magic) or with one line `ERROR <message>`, and closes.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import type { LogFn } from '../logger.js';
import { BackupError } from './backup-error.js';
import { backupHeader, commitFile, openBackupFile, refuseExisting, refuseNewerSchema, type BackupManifest, type OpenedBackup } from './backup-file.js';
import { type Database, embeddedDatabaseHolder, openDatabase, quoteSchema } from './database.js';

/** The backup socket's name, in the folder of the database's socket (DATA_DIR/pg-socket). */
export const BACKUP_SOCKET_NAME = 'backup.sock';
export const BACKUP_REQUEST = 'BACKUP 1\n';

/** The backup file of an open embedded database: its header, then the payload. */
export async function embeddedBackup(db: Database, engineVersion: string): Promise<{ header: Buffer; payload: Buffer; manifest: Omit<BackupManifest, 'createdAt' | 'formatVersion' | 'payloadBytes' | 'payloadSha256'> }> {
  if (db.dumpDataDir === undefined) throw new Error('embeddedBackup needs the embedded database');
  const quoted = quoteSchema(db.schema);
  const level = await db.pool.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoted}.app_migrations`);
  const version = await db.pool.query<{ server_version: string }>('SHOW server_version');
  // Written pages make the copy smaller to replay at its first start; the copy is consistent without it (WAL).
  await db.pool.query('CHECKPOINT');
  const blob = await db.dumpDataDir();
  const payload = Buffer.from(await blob.arrayBuffer());
  const manifest = {
    engineVersion, kind: 'embedded', payloadFormat: 'pglite-datadir-tgz', schema: db.schema, migrationLevel: level.rows[0]?.v ?? 0,
    serverVersion: `${version.rows[0]?.server_version ?? '?'} (PGlite)`,
  } as const;
  return { header: backupHeader(manifest, payload), payload, manifest };
}

/** Serves backups of `db` on DATA_DIR/pg-socket/backup.sock; one at a time (each holds the whole tarball in memory). */
export async function serveBackupSocket(db: Database, opts: { engineVersion: string; log: LogFn }): Promise<{ readonly path: string; close(): Promise<void> }> {
  const dir = db.connection.host;
  if (db.kind !== 'embedded' || dir === undefined) throw new Error('serveBackupSocket needs the embedded database');
  const path = join(dir, BACKUP_SOCKET_NAME);
  rmSync(path, { force: true }); // left by a killed engine; the database's lock is ours
  let queue: Promise<unknown> = Promise.resolve();
  const server: Server = createServer((conn) => {
    conn.on('error', () => {}); // a client that went away mid-answer is not the engine's problem
    let request = '';
    conn.setEncoding('latin1');
    conn.on('data', (chunk: string) => {
      request += chunk;
      if (request.length < BACKUP_REQUEST.length) return;
      conn.removeAllListeners('data');
      if (request !== BACKUP_REQUEST) {
        conn.end(`ERROR expected the request ${JSON.stringify(BACKUP_REQUEST)}\n`);
        return;
      }
      queue = queue.then(async () => {
        const started = Date.now();
        try {
          const b = await embeddedBackup(db, opts.engineVersion);
          conn.write(b.header);
          conn.end(b.payload);
          opts.log('info', 'embedded database backup served', { bytes: b.header.length + b.payload.length, ms: Date.now() - started });
        } catch (e) {
          opts.log('error', 'embedded database backup failed', { error: (e as Error).message });
          conn.end(`ERROR ${(e as Error).message.replace(/\n/g, ' ')}\n`);
        }
      });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => ok());
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () => new Promise<void>((ok) => server.close(() => {
      rmSync(path, { force: true });
      ok();
    })),
  };
}

/**
 * Asks the engine running on `dataDir` for a backup into `to`. Resolves false when no engine
 * answers there (none runs, or it runs with its socket in a temporary folder).
 */
export async function requestRunningBackup(dataDir: string, to: string, opts: { force: boolean }): Promise<BackupManifest | false> {
  const path = resolve(dataDir, 'pg-socket', BACKUP_SOCKET_NAME);
  if (!existsSync(path)) return false;
  refuseExisting(to, opts.force);
  const conn = createConnection(path);
  const connected = await new Promise<boolean>((ok, fail) => {
    conn.once('connect', () => ok(true));
    conn.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? ok(false) : fail(e)));
  });
  if (!connected) return false;
  conn.write(BACKUP_REQUEST);
  let manifest: BackupManifest | undefined;
  await commitFile(to, (out) => pipeline(conn, out), async (tmp) => {
    const fh = await open(tmp, 'r');
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0).finally(() => fh.close());
    const text = head.subarray(0, bytesRead).toString('utf8');
    if (text.startsWith('ERROR ')) throw new BackupError('BACKUP_ENGINE_FAILED', `the running engine could not take the backup: ${text.slice(6).split('\n')[0]}`);
    manifest = (await openBackupFile(tmp)).manifest;
  });
  return manifest!;
}

/** A backup of the embedded database under `dataDir` when no engine holds it: opened here, dumped, closed. */
export async function backupStoppedEmbedded(dataDir: string, schema: string, to: string, opts: { force: boolean; engineVersion: string }): Promise<BackupManifest> {
  refuseExisting(to, opts.force);
  if (!existsSync(resolve(dataDir, 'pg', 'PG_VERSION'))) {
    throw new BackupError('BACKUP_FILE_MISSING', `there is no embedded database under ${resolve(dataDir)} (no pg/PG_VERSION): check DATA_DIR, or give DATABASE_URL for a server`);
  }
  const db = await openDatabase({ dataDir, schema, poolSize: 1 });
  try {
    const b = await embeddedBackup(db, opts.engineVersion);
    await commitFile(to, async (out) => {
      out.write(b.header);
      await new Promise<void>((ok, fail) => out.end(b.payload, () => ok()).once('error', fail));
    });
    return (await openBackupFile(to)).manifest;
  } finally {
    await db.close();
  }
}

/**
 * Restores an embedded backup into `dataDir` (its pg folder), which must hold no database unless
 * `force`; then opens it once to check that it starts and carries the manifest's migration level.
 */
export async function restoreEmbedded(backup: OpenedBackup, dataDir: string, opts: { force: boolean }): Promise<{ schema: string; migrationLevel: number }> {
  const m = backup.manifest;
  if (m.kind !== 'embedded') {
    throw new BackupError('BACKUP_WRONG_KIND', `this is a backup of a PostgreSQL server (schema ${m.schema}): restore it with DATABASE_URL set to the server to restore into`);
  }
  refuseNewerSchema(m);
  const pgDir = resolve(dataDir, 'pg');
  const holder = embeddedDatabaseHolder(dataDir);
  if (holder !== undefined) throw new BackupError('BACKUP_TARGET_IN_USE', `an engine (process ${holder}) runs on ${resolve(dataDir)}: restore into another folder, or stop it first`);
  if (existsSync(pgDir) && readdirSync(pgDir).length > 0) {
    if (!opts.force) throw new BackupError('BACKUP_TARGET_EXISTS', `${pgDir} already holds a database: restore into a fresh DATA_DIR (--data-dir), or --force to replace it`);
    await rm(pgDir, { recursive: true, force: true });
  }
  const blob = new Blob([await buffer(backup.payload())], { type: 'application/x-gzip' });
  let db: Database;
  try {
    db = await openDatabase({ dataDir, schema: m.schema, poolSize: 1, loadDataDir: blob });
  } catch (e) {
    throw new BackupError('BACKUP_CORRUPT', `the backup's data directory does not open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const level = await db.pool.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteSchema(m.schema)}.app_migrations`);
    const found = level.rows[0]?.v ?? 0;
    if (found !== m.migrationLevel) throw new BackupError('BACKUP_CORRUPT', `the restored schema ${m.schema} is at migration ${found}, the manifest says ${m.migrationLevel}`);
    return { schema: m.schema, migrationLevel: found };
  } finally {
    await db.close();
  }
}
