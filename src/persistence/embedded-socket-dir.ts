/**
 * Where the embedded database is served: a Unix socket inside a folder only the engine's user can
 * enter (0700, owned by that user), so no other local account can open a connection. pglite-socket
 * has no authentication (any startup message is a `postgres` session), so the filesystem's
 * permissions are the only gate; a loopback TCP port would let every local process in.
 *
 * The socket is named as PostgreSQL names its own (`.s.PGSQL.<port>`), so `pg` (and psql) reach
 * it with `host` set to the folder and `port` to that number.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The folder under DATA_DIR. */
export const SOCKET_DIR_NAME = 'pg-socket';
/** Only a name here (`.s.PGSQL.5432`): no TCP port is opened. */
export const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes on Linux and 104 on macOS, its terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

export interface EmbeddedSocket {
  /** The folder: `host` for pg. */
  readonly dir: string;
  /** The socket file, for the server to listen on. */
  readonly path: string;
  /** True when DATA_DIR's path was too long and the folder is a private one under the system's temporary folder. */
  readonly temporary: boolean;
  /** What ensurePrivateDir repaired (the mode it found), if anything. */
  readonly repairedMode?: number;
  /** Removes the socket file, and the folder when it is a temporary one. */
  remove(): void;
}

/**
 * Creates `dir` (0700) if missing, or checks the one there: a real folder (not a link), owned by
 * `uid`. A mode other than 0700 is repaired, since the folder is ours and nothing of value can
 * have been left in it. Returns the problem instead of throwing, for the caller to word its error.
 */
export function ensurePrivateDir(dir: string, uid: number | undefined): { ok: true; repairedMode?: number } | { ok: false; problem: string } {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return { ok: false, problem: `cannot create ${dir}: ${(e as Error).message}` };
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) return { ok: false, problem: `${dir} is not a folder (${st.isSymbolicLink() ? 'a symbolic link' : 'a file'}); remove it` };
  // Windows has no uids (and no Unix sockets in this form): nothing to compare there.
  if (uid !== undefined && st.uid !== uid) {
    return { ok: false, problem: `${dir} belongs to uid ${st.uid}, not to this process's uid ${uid}: whoever owns it could let others in; remove it` };
  }
  const mode = st.mode & 0o777;
  if (mode === 0o700) return { ok: true };
  chmodSync(dir, 0o700);
  return { ok: true, repairedMode: mode };
}

/**
 * The socket's folder: DATA_DIR/pg-socket, or, when that path is too long for a socket address,
 * a fresh private folder under the system's temporary folder (mkdtemp makes it 0700 and unique;
 * every client is in this process and is handed the path, so nothing needs to find it again).
 * A socket file left by a killed engine is removed: the caller holds the database's lock.
 */
export function prepareEmbeddedSocket(dataDir: string, uid = process.getuid?.()): EmbeddedSocket | { problem: string } {
  let dir = resolve(dataDir, SOCKET_DIR_NAME);
  let temporary = false;
  if (Buffer.byteLength(join(dir, SOCKET_FILE)) > MAX_SOCKET_PATH_BYTES) {
    dir = mkdtempSync(join(tmpdir(), 'risk-engine-pg-'));
    temporary = true;
    if (Buffer.byteLength(join(dir, SOCKET_FILE)) > MAX_SOCKET_PATH_BYTES) {
      rmSync(dir, { recursive: true, force: true });
      return { problem: `the socket path under DATA_DIR (${resolve(dataDir)}) and under the temporary folder (${tmpdir()}) are both longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket address holds: use a shorter DATA_DIR or TMPDIR` };
    }
  }
  const checked = ensurePrivateDir(dir, uid);
  if (!checked.ok) {
    if (temporary) rmSync(dir, { recursive: true, force: true });
    return { problem: checked.problem };
  }
  const path = join(dir, SOCKET_FILE);
  try {
    rmSync(path, { force: true });
  } catch (e) {
    return { problem: `cannot remove the old socket ${path}: ${(e as Error).message}` };
  }
  return {
    dir, path, temporary, ...(checked.repairedMode !== undefined ? { repairedMode: checked.repairedMode } : {}),
    remove: () => rmSync(temporary ? dir : path, { recursive: true, force: true }),
  };
}
