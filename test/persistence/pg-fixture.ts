/**
 * Databases for the persistence tests: a schema of its own on this machine's PostgreSQL (dropped
 * afterwards), or an embedded PGlite in a temporary folder. Each test isolates its data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Backend = 'external' | 'embedded';

export interface DbTarget {
  readonly backend: Backend;
  readonly schema: string;
  /** DATABASE_URL for the engine (external), or undefined (embedded). */
  readonly url: string | undefined;
  /** DATA_DIR (the embedded database lives under it). */
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

export function newTarget(backend: Backend): DbTarget {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-db-'));
  return {
    backend, schema, dataDir,
    url: backend === 'external' ? SERVER_URL : undefined,
    async cleanup() {
      if (backend === 'external') {
        const c = new pg.Client({ connectionString: SERVER_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP relay in front of PostgreSQL that a test can cut and restore: to the engine the database
 * goes away (connections reset, new ones refused) and comes back, as in a server restart, without
 * restarting the server other tests are using.
 */
export class CuttableRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<void> {
    if (this.server) return;
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as { port: number }).port;
  }

  /** The database goes away: every connection is reset and new ones are refused. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    this.server = undefined;
  }

  /** It comes back on the same port. */
  restore(): Promise<void> {
    return this.start(this.port);
  }
}

/** A relay in front of the test server (SERVER_URL); not started. */
export function serverRelay(): CuttableRelay {
  const server = new URL(SERVER_URL);
  return new CuttableRelay({ host: server.hostname, port: Number(server.port || 5432) });
}

/** SERVER_URL reached through a started relay. */
export function urlThrough(relay: CuttableRelay): string {
  const via = new URL(SERVER_URL);
  via.hostname = '127.0.0.1';
  via.port = String(relay.port);
  return via.toString();
}
