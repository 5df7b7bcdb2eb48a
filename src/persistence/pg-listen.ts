/**
 * One PostgreSQL channel, LISTENed on a connection of its own and kept listened: the loop shared by
 * the session revocations (session-store-pg.ts) and the AML alert relay (aml-alert-relay.ts).
 *
 * - NOTIFY reaches only the connections listening when it commits, so a notice sent while the
 *   connection was lost never arrives: after every LISTEN, onListening reads what the owner may
 *   have missed (its catch-up). It runs after LISTEN, so anything stored meanwhile is either read
 *   there or noticed afterwards.
 * - The connection failed or ended: it is dropped and a new one LISTENs every reconnectMs until one
 *   does (or the loop closes). A catch-up that throws drops the connection as a failed LISTEN does,
 *   since a listener that missed something and cannot read it is not yet listening.
 */
import pg from 'pg';
import type { LogFn } from '../logger.js';

export interface PgListenOptions {
  /** Settings for the one extra connection that LISTENs (Database.connection). */
  readonly connection: pg.ClientConfig;
  /** An identifier: it goes into LISTEN as it is (channels cannot be bind parameters). */
  readonly channel: string;
  /** Each notice's payload on the channel. */
  readonly onNotification: (payload: string) => void;
  /** The catch-up, awaited after every LISTEN; when it throws, the connection is dropped and retried. */
  readonly onListening: () => Promise<void>;
  readonly log?: LogFn;
  /** Names the listener in its log lines: `${logLabel} failed; listening again`. */
  readonly logLabel: string;
  /** Wait before listening again after the connection failed, ms (default 1000). */
  readonly reconnectMs?: number;
}

export class PgListenLoop {
  private listener: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: PgListenOptions) {}

  /**
   * Listens once; rejects when the database cannot be reached now (nothing is retried then: the
   * caller decides whether that stops it). Once listening, a lost connection is always retried.
   */
  async start(): Promise<void> {
    await this.listen();
  }

  /** Listens; when the database cannot be reached now, keeps trying in the background (never rejects). */
  async startOrRetry(): Promise<void> {
    try {
      await this.listen();
    } catch (err) {
      this.o.log?.('warn', `${this.o.logLabel} cannot listen yet; retrying`, { error: (err as Error).message });
      this.scheduleListen();
    }
  }

  /** Stops listening and retrying; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.o.connection);
    client.on('error', (err) => {
      this.o.log?.('warn', `${this.o.logLabel} failed; listening again`, { error: err.message });
      this.relisten(client);
    });
    client.on('end', () => this.relisten(client));
    client.on('notification', (n) => {
      if (n.channel !== this.o.channel || n.payload === undefined) return;
      this.o.onNotification(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.o.channel}`);
    } catch (err) {
      // Not yet this.listener, so its 'end' must not schedule a retry of its own: the caller retries.
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    try {
      await this.o.onListening();
    } catch (err) {
      this.listener = undefined;
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
  }

  private relisten(client: pg.Client): void {
    // A client already replaced (or dropped by a failed catch-up) has nothing left to retry.
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    client.end().catch(() => {});
    this.scheduleListen();
  }

  /** Tries again every reconnectMs until it listens (or the loop closes); one timer at a time. */
  private scheduleListen(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.closed) return;
      this.listen().catch((err: Error) => {
        this.o.log?.('warn', `${this.o.logLabel} cannot reconnect yet`, { error: err.message });
        this.scheduleListen();
      });
    }, this.o.reconnectMs ?? 1000);
  }
}
