/**
 * The embedded database serves several connections from one PGlite session. A connection's
 * extended-protocol query (Parse … Sync) must not be split by another connection's: this client
 * speaks the wire protocol by hand so that it can pause between its Parse and its Bind while a
 * `pg` client runs queries, and checks that its Bind still finds its own statement and the other
 * client's results are right.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/persistence/database.js';

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

  static async open(host: string, port: number): Promise<RawConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => { const s = connect(port, host, () => resolve(s)); s.once('error', reject); });
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
    const raw = await RawConnection.open(host, port);
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
