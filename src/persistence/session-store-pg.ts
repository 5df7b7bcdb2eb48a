/**
 * Login sessions on PostgreSQL (table user_sessions, migration 0011): the embedded default's store,
 * or a server's when there is no Redis. Revocations reach the other engine processes on the same
 * database through LISTEN/NOTIFY on a channel of this schema; a process that lost its listening
 * connection reloads every live revocation when it is back, so one missed while away still counts.
 * Revoked API keys travel on the same channel (revokeCredential); the reload reads them from the
 * api_keys table of the same schema (migration 0011), those revoked within CREDENTIAL_REVOCATION_HOLD_MS.
 * Close notices (announceClose) travel on it too and are not stored: nothing to reload.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { AuthMethod, SessionCloseReason } from '../gateway/identity/ports.js';
import { CREDENTIAL_REVOCATION_HOLD_MS, type RotateOutcome, type SessionRecord, type SessionStore } from '../gateway/identity/stores.js';
import type { LogFn } from '../logger.js';
import { PgListenLoop } from './pg-listen.js';
import { closePayload, newCloseNotice, parseNotice, revocationPayload } from './revocation-notice.js';
import { type Revocation, RevocationView } from './revocation-view.js';

export interface PgSessionStoreOptions {
  readonly pool: pg.Pool;
  /** Settings for the one extra connection that LISTENs (Database.connection). */
  readonly connection: pg.PoolConfig;
  /** The schema: names the NOTIFY channel, so engines of two schemas on one server do not mix. */
  readonly schema: string;
  readonly log?: LogFn;
  /** The engine's clock. */
  readonly nowMs?: () => number;
  /** Wait before listening again after the connection failed, ms (default 1000). */
  readonly reconnectMs?: number;
}

interface Row { id: string; user_id: string; amr: string[]; created_ms: string; expires_ms: string; revoked_ms: string | null }

const fromRow = (r: Row): SessionRecord => ({
  id: r.id, userId: r.user_id, amr: r.amr as AuthMethod[], createdMs: Number(r.created_ms), expiresMs: Number(r.expires_ms),
  revokedMs: r.revoked_ms === null ? undefined : Number(r.revoked_ms),
});

/** NOTIFY payloads are limited to 8000 bytes: a user's many sessions go in several. */
const SESSIONS_PER_NOTIFY = 50;

export class PgSessionStore implements SessionStore {
  private readonly view = new RevocationView();
  private readonly pool: pg.Pool;
  private readonly channel: string;
  private readonly now: () => number;
  private readonly listening: PgListenLoop;

  constructor(private readonly o: PgSessionStoreOptions) {
    this.pool = o.pool;
    // A channel is an identifier (at most 63 bytes): a digest of the schema keeps any schema's short.
    this.channel = `session_revoked_${createHash('sha256').update(o.schema).digest('hex').slice(0, 16)}`;
    this.now = o.nowMs ?? Date.now;
    this.listening = new PgListenLoop({
      connection: o.connection,
      channel: this.channel,
      onNotification: (payload) => {
        const n = parseNotice(payload);
        if (n) this.view.receive(n, this.now());
      },
      // After LISTEN, so a revocation made meanwhile is either loaded here or notified.
      onListening: () => this.load(),
      logLabel: 'session revocation listener',
      log: o.log,
      reconnectMs: o.reconnectMs,
    });
  }

  isRevoked(sessionId: string): boolean {
    return this.view.isRevoked(sessionId);
  }

  onRevoked(listener: Parameters<RevocationView['onRevoked']>[0]): () => void {
    return this.view.onRevoked(listener);
  }

  async create(s: Omit<SessionRecord, 'revokedMs'>, refreshHash: string): Promise<void> {
    await this.pool.query('INSERT INTO user_sessions (id, user_id, refresh_hash, amr, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6)',
      [s.id, s.userId, refreshHash, [...s.amr], s.createdMs, s.expiresMs]);
  }

  async find(sessionId: string): Promise<SessionRecord | undefined> {
    const r = await this.pool.query<Row>('SELECT * FROM user_sessions WHERE id = $1', [sessionId]);
    return r.rows[0] && fromRow(r.rows[0]);
  }

  async rotate(sessionId: string, presentedHash: string, nextHash: string, nowMs: number): Promise<RotateOutcome> {
    // The swap is one conditional UPDATE: of two requests presenting the same token, one rotates
    // and the other finds it used (and revokes the session, as a replay would).
    const swapped = await this.pool.query<Row>(
      `UPDATE user_sessions SET refresh_hash = $3, used_hashes = used_hashes || refresh_hash
        WHERE id = $1 AND refresh_hash = $2 AND revoked_ms IS NULL AND expires_ms > $4 RETURNING *`,
      [sessionId, presentedHash, nextHash, nowMs],
    );
    if (swapped.rows[0]) return { kind: 'rotated', session: fromRow(swapped.rows[0]) };
    const reused = await this.pool.query<Row>(
      `UPDATE user_sessions SET revoked_ms = $3
        WHERE id = $1 AND $2 = ANY (used_hashes) AND revoked_ms IS NULL AND expires_ms > $3 RETURNING *`,
      [sessionId, presentedHash, nowMs],
    );
    const row = reused.rows[0];
    if (!row) return { kind: 'invalid' };
    const session = fromRow(row);
    await this.announce({ userId: session.userId, sessions: [{ id: session.id, expiresMs: session.expiresMs }] }, nowMs);
    return { kind: 'reused', session };
  }

  async revoke(sessionId: string, nowMs: number): Promise<string | undefined> {
    const r = await this.pool.query<Row>('UPDATE user_sessions SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL RETURNING *', [sessionId, nowMs]);
    const row = r.rows[0];
    if (!row) return undefined;
    await this.announce({ userId: row.user_id, sessions: [{ id: row.id, expiresMs: Number(row.expires_ms) }] }, nowMs);
    return row.user_id;
  }

  async revokeAllOf(userId: string, nowMs: number): Promise<readonly string[]> {
    const r = await this.pool.query<Row>(
      'UPDATE user_sessions SET revoked_ms = $2 WHERE user_id = $1 AND revoked_ms IS NULL AND expires_ms > $2 RETURNING *',
      [userId, nowMs],
    );
    if (r.rows.length > 0) await this.announce({ userId, sessions: r.rows.map((x) => ({ id: x.id, expiresMs: Number(x.expires_ms) })) }, nowMs);
    return r.rows.map((x) => x.id);
  }

  async revokeCredential(credentialId: string, untilMs: number, nowMs: number): Promise<void> {
    await this.announce({ userId: credentialId, sessions: [{ id: credentialId, expiresMs: untilMs }] }, nowMs);
  }

  async announceClose(target: { readonly userId: string; readonly sessionIds: readonly string[] }, reason: SessionCloseReason, nowMs: number): Promise<void> {
    // A notice per part, each with its own id: another process applies every part.
    for (let i = 0; i < target.sessionIds.length; i += SESSIONS_PER_NOTIFY) {
      const n = newCloseNotice(target.userId, target.sessionIds.slice(i, i + SESSIONS_PER_NOTIFY), reason);
      this.view.close(n, nowMs);
      await this.notify(closePayload(n), 'session close notice');
    }
  }

  /** Listens; rejects when the database cannot be reached now (a connection lost later is retried). */
  async start(): Promise<void> {
    await this.listening.start();
  }

  async close(): Promise<void> {
    await this.listening.close();
  }

  /** Here at once (the gateway checks synchronously), then to the other processes. */
  private async announce(r: Revocation, nowMs: number): Promise<void> {
    this.view.add(r, nowMs);
    for (let i = 0; i < r.sessions.length; i += SESSIONS_PER_NOTIFY) {
      const part: Revocation = { userId: r.userId, sessions: r.sessions.slice(i, i + SESSIONS_PER_NOTIFY) };
      // The revocation is stored; a process that misses the notice reloads it when it listens again.
      await this.notify(revocationPayload(part), 'session revocation');
    }
  }

  private async notify(payload: string, what: string): Promise<void> {
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, payload]);
    } catch (err) {
      this.o.log?.('warn', `${what} not announced to other engines`, { error: (err as Error).message });
    }
  }

  private async load(): Promise<void> {
    const nowMs = this.now();
    const r = await this.pool.query<Row>('SELECT * FROM user_sessions WHERE revoked_ms IS NOT NULL AND expires_ms > $1', [nowMs]);
    const byUser = new Map<string, { id: string; expiresMs: number }[]>();
    for (const row of r.rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), { id: row.id, expiresMs: Number(row.expires_ms) }]);
    for (const [userId, sessions] of byUser) this.view.add({ userId, sessions }, nowMs);
    // Keys revoked while this process was not listening: their sockets here are still open.
    const keys = await this.pool.query<{ id: string; revoked_ms: string; expires_ms: string | null }>(
      'SELECT id, revoked_ms, expires_ms FROM api_keys WHERE revoked_ms > $1', [nowMs - CREDENTIAL_REVOCATION_HOLD_MS]);
    for (const k of keys.rows) {
      const untilMs = Math.min(Number(k.revoked_ms) + CREDENTIAL_REVOCATION_HOLD_MS, k.expires_ms === null ? Infinity : Number(k.expires_ms));
      this.view.add({ userId: k.id, sessions: [{ id: k.id, expiresMs: untilMs }] }, nowMs);
    }
  }
}
