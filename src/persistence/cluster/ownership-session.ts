/**
 * The ownership session: the one PostgreSQL connection whose session-level advisory locks ARE this
 * engine's membership and its partitions. Whatever ends the session (a kill, a freeze, a network
 * cut, a server restart) releases them all, and the server does it without this process's help:
 *
 * - idle_session_timeout: a frozen engine (SIGSTOP, a stalled VM) sends nothing, so the server
 *   ends its session after sessionTimeoutMs and its partitions are free. A live engine keeps it
 *   busy with a heartbeat every heartbeatMs while it has nothing else to ask.
 * - idle_in_transaction_session_timeout: the same for an engine frozen inside a transaction.
 * - tcp_user_timeout: a peer that stopped acknowledging (cable cut, host gone) is given up after
 *   the same time instead of the kernel's ~15 minutes of retransmissions.
 * - On this side, a heartbeat unanswered within sessionTimeoutMs ends the session too: by then
 *   the server has cut it, and a partition believed owned would be a lie.
 *
 * These are server-side settings of PostgreSQL 14 and later. The session must reach the server
 * directly (not through a transaction-mode pooler, which would spread it over several backends).
 *
 * The member lock (hashtext(schema/engines), hashtext(engineId)) tells other engines this one is
 * live, and refuses a second engine with the same ENGINE_ID; the cluster_engines row names the
 * backend that holds it, so a reader joins the two to list live engines.
 */
import type { Socket } from 'node:net';
import pg from 'pg';
import type { LogFn } from '../../logger.js';
import { ownershipErrors } from './ownership-errors.js';
import { quoteChannel, type OwnershipKeys, type OwnershipNotice } from './ownership-keys.js';

export interface SessionOptions {
  readonly connection: pg.ClientConfig;
  readonly keys: OwnershipKeys;
  readonly engineId: string;
  readonly endpoint: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatMs: number;
  /** When the engine started (cluster_engines.started_at keeps it across reconnects). */
  readonly startedAt: Date;
  /**
   * The backend pid of this engine's previous session, after a loss: if it still lingers on the
   * server holding the member lock (a cut seen here first), it is ended, since it is ours.
   */
  readonly previousPid?: number;
  readonly log: LogFn;
  /**
   * Run once the member lock is held, before the engine registers and announces itself: a check
   * that refuses the engine (the partition count) then leaves no trace the others would act on.
   */
  readonly prepare?: (q: pg.Client) => Promise<void>;
}

export interface SessionEvents {
  /** The session is gone (called once, never after end()). */
  lost(session: OwnershipSession, reason: string): void;
  /** A NOTIFY on the channel (from any engine, this one included). */
  notified(notice: OwnershipNotice | undefined): void;
}

export interface OwnershipSession {
  /** The server's pid of this session. */
  readonly pid: number;
  /**
   * A query on the session. With timeoutMs, an answer later than that ends the session as lost:
   * used for short queries only (the heartbeat, the map), never for a projection or a hook.
   */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: readonly unknown[], timeoutMs?: number): Promise<pg.QueryResult<R>>;
  /** Whether it has been lost or ended. */
  readonly alive: boolean;
  /** Leaves cleanly: deregisters, announces it, ends the connection (its locks go with it). */
  end(): Promise<void>;
}

const appName = (engineId: string): string => `risk-engine ${engineId}`.slice(0, 63);

export async function openSession(o: SessionOptions, events: SessionEvents): Promise<OwnershipSession> {
  const client = new pg.Client({
    ...o.connection,
    application_name: appName(o.engineId),
    keepAlive: true,
    connectionTimeoutMillis: o.sessionTimeoutMs,
  });
  // Until the session is set up, a failure rejects the query under way (and openSession with it).
  client.on('error', () => {});
  try {
    await client.connect();
    // Integers checked by resolveOwnershipOptions; SET takes no bind parameters.
    const ms = Math.trunc(o.sessionTimeoutMs);
    await client.query(`SET idle_session_timeout = ${ms}; SET idle_in_transaction_session_timeout = ${ms}; SET tcp_user_timeout = ${ms}`);
    await takeMemberLock(client, o);
    await o.prepare?.(client);
    await client.query(
      `INSERT INTO cluster_engines (engine_id, endpoint, backend_pid, started_at) VALUES ($1, $2, pg_backend_pid(), $3)
       ON CONFLICT (engine_id) DO UPDATE SET endpoint = excluded.endpoint, backend_pid = excluded.backend_pid, started_at = excluded.started_at`,
      [o.engineId, o.endpoint, o.startedAt],
    );
    await client.query(`LISTEN ${quoteChannel(o.keys.channel)}`);
    await notify(client, o.keys.channel, { engine: o.engineId, event: 'joined', count: 0 });
  } catch (err) {
    client.removeAllListeners('end');
    await client.end().catch(() => {});
    throw err;
  }
  return new Session(client, o, events);
}

async function takeMemberLock(client: pg.Client, o: SessionOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [o.keys.memberClass, o.engineId])).rows[0]?.ok;
    if (got) return;
    const holder = (await client.query<{ pid: number; application_name: string; client_addr: string | null }>(
      `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = hashtext($1)::oid AND l.objid = hashtext($2)::oid`,
      [o.keys.memberClass, o.engineId],
    )).rows[0];
    if (holder === undefined && attempt < 40) continue; // released between the two queries
    // Our own previous session, still on the server after we gave it up: end it rather than wait
    // for its timeout (its partitions are dropped here already). At most ~1 s of tries.
    if (holder !== undefined && holder.pid === o.previousPid && attempt < 40) {
      if (attempt === 0) {
        o.log('warn', 'ending this engine\'s previous ownership session, still on the server', { engineId: o.engineId, serverPid: holder.pid });
        await client.query('SELECT pg_terminate_backend($1)', [holder.pid]);
      }
      await new Promise((r) => setTimeout(r, 25));
      continue;
    }
    throw ownershipErrors.engineIdInUse(
      o.engineId,
      holder ? `${holder.application_name || 'an unnamed client'}, server pid ${holder.pid}${holder.client_addr ? ` from ${holder.client_addr}` : ''}` : 'a session not listed in pg_stat_activity',
    );
  }
}

export function notify(q: { query(text: string, values: unknown[]): Promise<unknown> }, channel: string, notice: OwnershipNotice): Promise<unknown> {
  return q.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(notice)]);
}

function parseNotice(payload: string | undefined): OwnershipNotice | undefined {
  try {
    return payload === undefined ? undefined : (JSON.parse(payload) as OwnershipNotice);
  } catch {
    return undefined;
  }
}

class Session implements OwnershipSession {
  readonly pid: number;
  private inFlight = 0;
  private lastActivity = Date.now();
  private done = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly client: pg.Client, private readonly o: SessionOptions, private readonly events: SessionEvents) {
    this.pid = (client as unknown as { processID: number }).processID;
    client.removeAllListeners('error');
    client.on('error', (err: Error) => this.lose(`session failed: ${err.message}`));
    client.on('end', () => this.lose('session ended'));
    client.on('notification', (n) => {
      if (n.channel === o.keys.channel) events.notified(parseNotice(n.payload));
    });
    // Checked at heartbeatMs: an idle gap is thus at most ~1.5 heartbeatMs (half the timeout by default).
    this.heartbeat = setInterval(() => {
      if (this.done || this.inFlight > 0 || Date.now() - this.lastActivity < o.heartbeatMs / 2) return;
      this.query('SELECT 1', [], o.sessionTimeoutMs).catch((err: Error) => this.lose(`heartbeat failed: ${err.message}`));
    }, o.heartbeatMs);
    this.heartbeat.unref();
  }

  get alive(): boolean {
    return !this.done;
  }

  async query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = [], timeoutMs?: number): Promise<pg.QueryResult<R>> {
    if (this.done) throw new Error('the ownership session is gone');
    this.inFlight++;
    this.lastActivity = Date.now();
    const watchdog = timeoutMs === undefined ? undefined : setTimeout(() => this.lose(`no answer within ${timeoutMs} ms`), timeoutMs);
    try {
      return await this.client.query<R>(text, values as unknown[]);
    } finally {
      clearTimeout(watchdog);
      this.inFlight--;
      this.lastActivity = Date.now();
    }
  }

  /** Gives the session up at once: no hook waits for a socket that may never answer. */
  private lose(reason: string): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.heartbeat);
    this.client.removeAllListeners('end');
    this.client.on('error', () => {});
    (this.client as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy();
    this.client.end().catch(() => {});
    this.events.lost(this, reason);
  }

  async end(): Promise<void> {
    if (this.done) return;
    this.done = true;
    clearInterval(this.heartbeat);
    this.client.removeAllListeners('end');
    this.client.removeAllListeners('error');
    this.client.on('error', () => {});
    // Each step on its own: a failed one must not keep the connection (and its locks) open.
    await this.client
      .query('DELETE FROM cluster_engines WHERE engine_id = $1 AND backend_pid = pg_backend_pid()', [this.o.engineId])
      .catch((err: Error) => this.o.log('warn', 'could not remove this engine from cluster_engines', { error: err.message }));
    await notify(this.client, this.o.keys.channel, { engine: this.o.engineId, event: 'left', count: 0 }).catch(() => {});
    await this.client.end().catch(() => {});
  }
}
