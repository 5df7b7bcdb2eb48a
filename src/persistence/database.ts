/**
 * The engine's PostgreSQL: a real server when DATABASE_URL is given, otherwise PGlite in this
 * process behind its socket server (on a private Unix socket), so that the same `pg` code (and
 * BullMQ's PostgreSQL backend) talks to either. Everything the engine stores lives in one schema
 * (DATABASE_SCHEMA), BullMQ's PostgreSQL tables included: PGlite is one backend shared by every
 * socket connection, so a per-connection search_path cannot keep two schemas apart there, and one
 * schema per engine also makes a test's data one DROP SCHEMA away.
 */
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { LogFn } from '../logger.js';
import { prepareEmbeddedSocket, SOCKET_PORT } from './embedded-socket-dir.js';

export type DatabaseKind = 'embedded' | 'external';

export interface DatabaseOptions {
  /** postgres:// URL of a server; absent: embedded PGlite under `dataDir`. */
  readonly url?: string;
  /** Schema of everything the engine stores (default risk_engine). */
  readonly schema?: string;
  /** Folder of the embedded database's files (created if missing). */
  readonly dataDir: string;
  /** Connections of the pool (external server; default 8). The embedded database always gets a small pool. */
  readonly poolSize?: number;
  readonly log?: LogFn;
  /** Embedded only: a data-directory tarball (PGlite's dumpDataDir) to start from; the folder must be empty. */
  readonly loadDataDir?: Blob;
}

export interface Database {
  readonly kind: DatabaseKind;
  readonly schema: string;
  readonly pool: pg.Pool;
  /** Connection settings for other clients of the same database (BullMQ's PostgreSQL backend). */
  readonly connection: pg.PoolConfig;
  /**
   * The embedded database only: every NOTIFY that comes back on a connection of `pool`. PGlite is one
   * backend behind every socket connection, so a notice reaches the connection that committed it, never
   * a LISTEN client of its own; a listener in this process takes them here (aml-alert-relay.ts).
   */
  readonly onNotification?: (listener: (n: pg.Notification) => void) => () => void;
  /**
   * The embedded database only: its data directory as a gzipped tarball, taken while no query
   * runs (PGlite runs them one at a time on this thread), so the files are those of one instant;
   * a transaction open on a connection at that instant is rolled back when the copy is opened.
   */
  readonly dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  constructor(readonly code: 'DB_SCHEMA_NAME' | 'DB_UNAVAILABLE' | 'DB_EMBEDDED_START' | 'DB_EMBEDDED_SOCKET' | 'DB_IN_USE', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

/** A schema name safe to interpolate into SQL (identifiers cannot be bind parameters). */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new DatabaseError('DB_SCHEMA_NAME', `schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _, starting with a letter or _, at most 63 characters`);
  }
  return `"${schema}"`;
}

/** The database's defaults; src/config.ts maps DATABASE_SCHEMA and DATABASE_POOL_SIZE onto them. */
export const DATABASE_DEFAULTS = Object.freeze({ schema: 'risk_engine', poolSize: 8 });

/**
 * PGlite runs every query on this thread, one at a time, whatever the number of connections; a
 * few connections let the journal, the queue worker and BullMQ's LISTEN client each hold their
 * own, and more would only queue inside pglite-socket.
 */
const EMBEDDED_CONNECTIONS = 16;
const EMBEDDED_POOL = 4;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const schema = opts.schema ?? DATABASE_DEFAULTS.schema;
  const quoted = quoteSchema(schema);
  if (opts.url !== undefined) {
    const connection: pg.PoolConfig = { connectionString: opts.url, max: opts.poolSize ?? DATABASE_DEFAULTS.poolSize, options: `-c search_path=${quoted}` };
    const pool = new pg.Pool(connection);
    // An idle client's error (server restart, network) must not crash the process; the next
    // query on a fresh client reports it where it can be handled.
    pool.on('error', (err) => opts.log?.('warn', 'idle PostgreSQL connection failed', { error: err.message }));
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    } catch (err) {
      await pool.end().catch(() => {});
      throw new DatabaseError('DB_UNAVAILABLE', `cannot reach PostgreSQL at ${redactUrl(opts.url)}: ${(err as Error).message}`, { cause: err });
    }
    return { kind: 'external', schema, pool, connection, close: () => pool.end() };
  }
  return openEmbedded(opts, schema, quoted);
}

async function openEmbedded(opts: DatabaseOptions, schema: string, quoted: string): Promise<Database> {
  // Loaded on use: a deployment with DATABASE_URL never needs the wasm build in memory.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
  const dir = resolve(opts.dataDir, 'pg');
  mkdirSync(dir, { recursive: true });
  const lock = lockDir(resolve(opts.dataDir, 'pg.lock'));
  // pglite-socket authenticates nobody, so the database is served only on a Unix socket in a
  // folder no other local user can enter (embedded-socket-dir.ts); never on a TCP port.
  const socket = prepareEmbeddedSocket(opts.dataDir);
  if ('problem' in socket) {
    lock.release();
    throw new DatabaseError('DB_EMBEDDED_SOCKET', `cannot serve the embedded database privately: ${socket.problem}`);
  }
  if (socket.repairedMode !== undefined) opts.log?.('warn', 'embedded database socket folder was open to others; made it 0700', { dir: socket.dir, mode: socket.repairedMode.toString(8) });
  let db: InstanceType<typeof PGlite>;
  try {
    db = await PGlite.create(dir, opts.loadDataDir !== undefined ? { loadDataDir: opts.loadDataDir } : {});
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoted}; SET search_path TO ${quoted}`);
  } catch (err) {
    socket.remove();
    lock.release();
    throw new DatabaseError('DB_EMBEDDED_START', `cannot open the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const server = new PGLiteSocketServer({ db, path: socket.path, maxConnections: EMBEDDED_CONNECTIONS });
  try {
    keepExtendedQueriesWhole(server);
    await server.start();
    // The folder already keeps others out; the socket's own mode does too where the system checks it (Linux).
    chmodSync(socket.path, 0o600);
  } catch (err) {
    await server.stop().catch(() => {});
    await db.close().catch(() => {});
    socket.remove();
    lock.release();
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError('DB_EMBEDDED_SOCKET', `cannot serve the embedded database on ${socket.path}: ${(err as Error).message}`, { cause: err });
  }
  const connection: pg.PoolConfig = { host: socket.dir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: EMBEDDED_POOL };
  const pool = new pg.Pool(connection);
  pool.on('error', (err) => opts.log?.('warn', 'idle embedded-database connection failed', { error: err.message }));
  const notices = new EventEmitter();
  pool.on('connect', (client) => client.on('notification', (n) => notices.emit('notification', n)));
  opts.log?.('info', 'embedded PostgreSQL (PGlite) started', { dir: join(opts.dataDir, 'pg'), socket: socket.path, ...(socket.temporary ? { note: 'DATA_DIR is too long for a socket path: the socket is in a private temporary folder' } : {}) });
  return {
    kind: 'embedded',
    schema,
    pool,
    connection,
    onNotification(listener) {
      notices.on('notification', listener);
      return () => notices.off('notification', listener);
    },
    dumpDataDir: () => db.dumpDataDir('gzip'),
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
      socket.remove();
      lock.release();
    },
  };
}

/** What keepExtendedQueriesWhole relies on inside pglite-socket 0.2.17 (pinned in package.json). */
interface QueueItem { handlerId: number; message: Uint8Array; onData(d: Uint8Array): void; resolve(bytes: number): void; reject(e: unknown): void }
interface QueueInternals {
  queue: QueueItem[];
  processing: boolean;
  lastHandlerId: number | null;
  db: { isInTransaction(): boolean; runExclusive<T>(f: () => Promise<T>): Promise<T>; execProtocolRawStream(m: Uint8Array, o: { onRawData(d: Uint8Array): void }): Promise<unknown> };
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Frontend messages of the extended query protocol up to its Sync (Parse, Bind, Describe, Execute, Close, Flush) and of COPY. */
const MID_SEQUENCE = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48, 0x64, 0x63, 0x66]);

/**
 * pglite-socket 0.2.17 runs the frontend messages of all connections one at a time from one
 * queue, so one connection's Parse can land between another's Parse and Bind, and that Bind then
 * runs against the wrong unnamed statement. Seen here at start-up as "bind message supplies 2
 * parameters, but prepared statement "" requires 1"; with matching parameter types it would run
 * the other connection's SQL with this one's parameters and report success. This keeps each
 * connection's messages from Parse to Sync together, as the library already does for a
 * transaction block, by replacing its queue loop (same logic plus that rule, and `processing`
 * reset when a message fails, which the original leaves set). Written by hand because no release
 * of pglite-socket does it; checked against the internals at start, so an upgrade that changes
 * them stops the engine with a clear error instead of running unprotected.
 */
function keepExtendedQueriesWhole(server: object): void {
  const q = (server as { queryQueue?: QueueInternals }).queryQueue;
  if (!q || !Array.isArray(q.queue) || typeof q.processQueue !== 'function' || typeof q.clearQueueForHandler !== 'function' || !('lastHandlerId' in q)) {
    throw new DatabaseError('DB_EMBEDDED_START', 'pglite-socket internals are not those of 0.2.17: the embedded database cannot keep connections apart');
  }
  let midSequence = false;
  q.processQueue = async function processQueue(this: QueueInternals): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        let item: QueueItem | undefined;
        if ((midSequence || this.db.isInTransaction()) && this.lastHandlerId !== null) {
          const k = this.queue.findIndex((r) => r.handlerId === this.lastHandlerId);
          if (k === -1) return; // wait for that connection's next message
          item = this.queue.splice(k, 1)[0];
        } else {
          item = this.queue.shift();
        }
        if (!item) return;
        let bytes = 0;
        const current = item;
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(current.message, { onRawData: (d) => { bytes += d.length; current.onData(d); } }));
        } catch (err) {
          midSequence = false;
          current.reject(err);
          continue;
        }
        midSequence = MID_SEQUENCE.has(current.message[0] ?? 0);
        this.lastHandlerId = current.handlerId;
        current.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number): void => {
    clear(handlerId);
    // A connection that went away mid-sequence must not hold the others back.
    if (q.lastHandlerId === handlerId) midSequence = false;
    void q.processQueue();
  };
}

/**
 * PGlite's files belong to one process: a second opening them (a CLI command beside a running
 * engine) would corrupt them. A pid file refuses that; a pid that no longer runs (SIGKILL) is stale.
 */
function lockDir(file: string): { release(): void } {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch {
    const pid = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
      throw new DatabaseError('DB_EMBEDDED_START', `the embedded database under ${file.replace(/pg\.lock$/, '')} is in use by process ${pid}: stop that engine first, or give DATABASE_URL`);
    }
    writeFileSync(file, String(process.pid));
  }
  return { release: () => rmSync(file, { force: true }) };
}

/** The pid of the live process that holds the embedded database under `dataDir`, if one does. */
export function embeddedDatabaseHolder(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(resolve(dataDir, 'pg.lock'), 'utf8'));
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid) ? pid : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}
