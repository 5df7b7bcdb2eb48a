/**
 * The embedded database's socket. It is served only on a Unix socket in a folder no other local
 * user can enter (pglite-socket authenticates nobody), never on a TCP port.
 *
 * It serves several connections from one PGlite session: a connection's extended-protocol query
 * (Parse … Sync) must not be split by another connection's. The raw client below speaks the wire
 * protocol by hand so that it can pause between its Parse and its Bind while a `pg` client runs
 * queries, and checks that its Bind still finds its own statement and the other client's results
 * are right.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogFn } from '../../src/logger.js';
import { openDatabase, type Database } from '../../src/persistence/database.js';
import { ensurePrivateDir, MAX_SOCKET_PATH_BYTES } from '../../src/persistence/embedded-socket-dir.js';
import { listeningTcpPorts } from './listening-ports.js';

const dataDir = mkdtempSync(join(tmpdir(), 'embedded-socket-'));
let db: Database;

beforeAll(async () => {
  db = await openDatabase({ schema: 'socket_test', dataDir, poolSize: 2 });
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };

/** Backend messages as [type, body], gathered until the predicate sees the one it waits for. */
class RawConnection {
  private buf = Buffer.alloc(0);
  readonly received: [string, Buffer][] = [];
  private waiter: (() => void) | undefined;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1);
        if (this.buf.length < len + 1) break;
        this.received.push([this.buf.toString('latin1', 0, 1), this.buf.subarray(5, len + 1)]);
        this.buf = this.buf.subarray(len + 1);
      }
      this.waiter?.();
    });
  }

  static async open(path: string): Promise<RawConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => { const s = connect(path, () => resolve(s)); s.once('error', reject); });
    const c = new RawConnection(socket);
    const params = Buffer.concat([cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])]);
    socket.write(Buffer.concat([int32(params.length + 8), int32(196608), params]));
    await c.until('Z');
    return c;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  async until(type: string): Promise<void> {
    const seen = (): boolean => this.received.some(([t]) => t === type);
    while (!seen()) await new Promise<void>((r) => { this.waiter = r; });
    this.waiter = undefined;
  }

  close(): void {
    this.socket.end(message('X', Buffer.alloc(0)));
  }
}

describe('embedded database over its socket', () => {
  it("keeps one connection's Parse…Sync together while another connection queries", { timeout: 30_000 }, async () => {
    const { host, port } = db.connection as { host: string; port: number };
    const raw = await RawConnection.open(join(host, `.s.PGSQL.${port}`));
    raw.received.length = 0;
    // Parse only: the unnamed statement takes one parameter.
    raw.send(message('P', Buffer.concat([cstr(''), cstr('SELECT $1::int AS v'), int16(0)])), message('H', Buffer.alloc(0)));
    await raw.until('1'); // ParseComplete

    // Meanwhile another connection connects and runs two-parameter queries (their own unnamed
    // statements). Not awaited: a connection in the middle of a sequence holds the others until
    // its Sync, as a transaction block does.
    const other = new pg.Client(db.connection);
    const theirs = other.connect().then(() => Promise.all([1, 2, 3].map((i) => other.query('SELECT $1::int + $2::int AS x', [i, 10]))));
    await new Promise((r) => setTimeout(r, 200));

    raw.send(
      message('B', Buffer.concat([cstr(''), cstr(''), int16(0), int16(1), int32(2), Buffer.from('41'), int16(0)])),
      message('E', Buffer.concat([cstr(''), int32(0)])),
      message('S', Buffer.alloc(0)),
    );
    await raw.until('Z');
    const error = raw.received.find(([t]) => t === 'E');
    expect(error?.[1].toString('utf8')).toBeUndefined();
    const row = raw.received.find(([t]) => t === 'D');
    expect(row?.[1].subarray(6).toString('utf8')).toBe('41'); // int16 columns, int32 length, value

    expect((await theirs).map((r) => r.rows[0].x)).toEqual([11, 12, 13]);
    raw.close();
    await other.end();
  });
});

describe('embedded database kept to its own user', () => {
  const dirs: string[] = [];
  const freshDir = (prefix = 'embedded-private-'): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const mode = (path: string): number => statSync(path).mode & 0o777;
  const selectOne = async (connection: pg.ClientConfig): Promise<number> => {
    const c = new pg.Client(connection);
    await c.connect();
    try {
      return (await c.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
    } finally {
      await c.end();
    }
  };

  it('opens no TCP port and serves a Unix socket in a 0700 folder of its own under DATA_DIR', { timeout: 30_000 }, async () => {
    const dataDir = freshDir();
    const before = listeningTcpPorts();
    const own = await openDatabase({ schema: 'private_test', dataDir, poolSize: 2 });
    try {
      // Nothing new for a local process to connect to over TCP.
      expect(listeningTcpPorts()).toEqual(before);
      const { host, port } = own.connection as { host: string; port: number };
      expect(host).toBe(join(dataDir, 'pg-socket'));
      expect(mode(host)).toBe(0o700);
      expect(statSync(host).uid).toBe(process.getuid!());
      const socket = join(host, `.s.PGSQL.${port}`);
      expect(statSync(socket).isSocket()).toBe(true);
      expect(mode(socket)).toBe(0o600);
      // The engine's own clients (pool, queues, CLI) reach it through that socket.
      expect(await selectOne(own.connection)).toBe(1);
      expect((await own.pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s).toBe('private_test');
    } finally {
      await own.close();
    }
    expect(existsSync(join(dataDir, 'pg-socket', '.s.PGSQL.5432'))).toBe(false);
  });

  it('makes a socket folder others could enter 0700 again, and says so', { timeout: 30_000 }, async () => {
    const dataDir = freshDir();
    mkdirSync(join(dataDir, 'pg-socket'));
    chmodSync(join(dataDir, 'pg-socket'), 0o777);
    const warnings: string[] = [];
    const log: LogFn = (level, msg) => void (level === 'warn' && warnings.push(msg));
    const own = await openDatabase({ schema: 'private_test', dataDir, poolSize: 2, log });
    try {
      expect(mode(join(dataDir, 'pg-socket'))).toBe(0o700);
      expect(warnings).toEqual([expect.stringMatching(/socket folder was open to others; made it 0700/)]);
      expect(await selectOne(own.connection)).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('refuses a socket folder that is a link elsewhere, and leaves the database free for the next start', { timeout: 30_000 }, async () => {
    const dataDir = freshDir();
    const elsewhere = freshDir();
    symlinkSync(elsewhere, join(dataDir, 'pg-socket'));
    await expect(openDatabase({ schema: 'private_test', dataDir, poolSize: 2 })).rejects.toMatchObject({
      code: 'DB_EMBEDDED_SOCKET', message: expect.stringContaining('is not a folder (a symbolic link)'),
    });
    rmSync(join(dataDir, 'pg-socket'));
    const own = await openDatabase({ schema: 'private_test', dataDir, poolSize: 2 });
    await own.close();
  });

  it('refuses a socket folder that belongs to another user', () => {
    const dir = join(freshDir(), 'pg-socket');
    mkdirSync(dir, { mode: 0o700 });
    const other = process.getuid!() + 1;
    expect(ensurePrivateDir(dir, other)).toEqual({ ok: false, problem: expect.stringContaining(`belongs to uid ${process.getuid!()}, not to this process's uid ${other}`) });
    expect(ensurePrivateDir(dir, process.getuid!())).toEqual({ ok: true });
  });

  it('takes over the socket file an engine killed with SIGKILL left behind', { timeout: 30_000 }, async () => {
    const dataDir = freshDir();
    const dir = join(dataDir, 'pg-socket');
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, '.s.PGSQL.5432');
    const holder = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`]);
    await new Promise<void>((resolve, reject) => { holder.stdout.once('data', () => resolve()); holder.once('exit', (c) => reject(new Error(`exited ${c}`))); });
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(statSync(path).isSocket()).toBe(true); // left behind, nobody listening
    const own = await openDatabase({ schema: 'private_test', dataDir, poolSize: 2 });
    try {
      expect((own.connection as { host: string }).host).toBe(dir);
      expect(await selectOne(own.connection)).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('puts the socket in a private temporary folder when DATA_DIR is too long for a socket address', { timeout: 30_000 }, async () => {
    const dataDir = join(freshDir(), 'd'.repeat(MAX_SOCKET_PATH_BYTES));
    const own = await openDatabase({ schema: 'private_test', dataDir, poolSize: 2 });
    let host: string;
    try {
      host = (own.connection as { host: string }).host;
      expect(host.startsWith(join(tmpdir(), 'risk-engine-pg-'))).toBe(true);
      expect(mode(host)).toBe(0o700);
      expect(await selectOne(own.connection)).toBe(1);
    } finally {
      await own.close();
    }
    expect(existsSync(host)).toBe(false);
  });
});
