/**
 * New AML alerts, heard from PostgreSQL, for the websocket channel `alerts`. The AML queue's
 * workers may run in another thread or process (BullMQ workers on Redis), so the statement that
 * stores alerts announces them with NOTIFY (aml-alert-store.ts, on the schema's channel of
 * aml-alert-channel.ts); this relay LISTENs on its own connection (pg-listen.ts, as the session
 * revocations do), reads the alerts a notice names and hands each to its listeners once.
 *
 * - A notice is delivered at commit only, so every alert it names can be read.
 * - The listening connection lost, the relay listens again and then reads every alert above the
 *   highest it had handed on less LATE_COMMIT_IDS: those stored while it was away, including one
 *   whose id was taken before the highest's but whose transaction committed later (ids are taken at
 *   insert, notices sent at commit). The ids it handed on already are remembered and dropped.
 * - On the embedded database (PGlite, one backend behind every socket connection) a notice comes
 *   back on the connection that committed it, not on the listener's: Database.onNotification hands
 *   those on, and the relay takes notices from both (an alert handed on twice is dropped).
 */
import pg from 'pg';
import type { AlertFeed } from '../gateway/alert-feed.js';
import type { LogFn } from '../logger.js';
import { amlAlertChannel, parseAlertNotice } from './aml-alert-channel.js';
import { type AmlAlertQueries, type AmlAlertView, pgAmlAlertQueries } from './aml-alert-queries.js';
import { type AmlCaseStore, pgAmlCaseStore } from './aml-case-store.js';
import type { Database } from './database.js';
import { PgListenLoop } from './pg-listen.js';

export interface AmlAlertRelayOptions {
  readonly db: Pick<Database, 'connection' | 'schema' | 'onNotification'>;
  readonly queries: AmlAlertQueries;
  readonly log?: LogFn;
  /** Wait before listening again after the connection failed, ms (default 1000). */
  readonly reconnectMs?: number;
}

/** Alerts read at once when catching up after a reconnect. */
const CATCH_UP_BATCH = 500;
/** Ids remembered to drop a repeat (the same alert noticed twice); far above the alerts of a few notices. */
const REMEMBERED_IDS = 10_000;
/**
 * How far below the highest id handed on a catch-up reads again: alerts are stored by aml jobs of at
 * most 500 fills, a few at once, so an alert committed after another one allocated this many ids
 * later is not a case to plan for. Well below REMEMBERED_IDS, so the re-read ones are recognised.
 */
const LATE_COMMIT_IDS = 2_000n;

export class AmlAlertRelay implements AlertFeed {
  private readonly listeners = new Set<(a: AmlAlertView) => void>();
  private readonly channel: string;
  private readonly handed = new Set<string>();
  /** The highest id handed on (or there when the relay started); undefined until it first listens. */
  private highest: bigint | undefined;
  /** The highest id when the relay first listened: alerts up to it were stored before it and are not its to push. */
  private startId = 0n;
  private readonly listening: PgListenLoop;
  private closed = false;
  /** Notices are read one after the other, so alerts go out in the order they were noticed. */
  private tail: Promise<void> = Promise.resolve();
  private readonly unrelayed: () => void;

  constructor(private readonly o: AmlAlertRelayOptions) {
    this.channel = amlAlertChannel(o.db.schema);
    this.listening = new PgListenLoop({
      connection: o.db.connection,
      channel: this.channel,
      onNotification: (payload) => this.onPayload(payload),
      onListening: () => this.onListening(),
      logLabel: 'AML alert listener',
      log: o.log,
      reconnectMs: o.reconnectMs,
    });
    this.unrelayed = o.db.onNotification?.((n) => this.onNotice(n)) ?? (() => {});
  }

  onAlert(listener: (a: AmlAlertView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listens; when the database cannot be reached now, keeps trying in the background (never rejects). */
  async start(): Promise<void> {
    await this.listening.startOrRetry();
  }

  /** Stops listening; safe to call twice. Alerts being read are still handed on. */
  async close(): Promise<void> {
    this.closed = true;
    this.unrelayed();
    await this.listening.close();
    await this.tail;
  }

  /** A notice the embedded database handed on from a connection of its pool (Database.onNotification). */
  private onNotice(n: pg.Notification): void {
    if (n.channel !== this.channel || n.payload === undefined) return;
    this.onPayload(n.payload);
  }

  /** A notice's payload, from the listening connection or the embedded database. */
  private onPayload(payload: string): void {
    if (this.closed) return;
    const notice = parseAlertNotice(payload);
    if (notice === undefined) return;
    this.enqueue(() => ('ids' in notice ? this.o.queries.byIds(notice.ids) : this.o.queries.between(notice.from, notice.to)));
  }

  private enqueue(read: () => Promise<AmlAlertView[]>): void {
    this.tail = this.tail.then(async () => {
      try {
        this.handOn(await read());
      } catch (err) {
        // The alerts are stored: the officers' list shows them; only the live push is lost.
        this.o.log?.('warn', 'AML alerts noticed but not read; not pushed to the alerts channel', { error: (err as Error).message });
      }
    });
  }

  private handOn(alerts: readonly AmlAlertView[]): void {
    for (const a of alerts) {
      if (this.handed.has(a.alertId)) continue;
      this.handed.add(a.alertId);
      if (this.handed.size > REMEMBERED_IDS) this.handed.delete(this.handed.values().next().value!);
      const id = BigInt(a.alertId);
      if (this.highest === undefined || id > this.highest) this.highest = id;
      for (const l of this.listeners) {
        try {
          l(a);
        } catch {
          // One listener's failure (a socket gone) must not keep the alert from the others.
        }
      }
    }
  }

  /** After every LISTEN: the first time, where to start; after a reconnect, what was stored meanwhile. */
  private async onListening(): Promise<void> {
    if (this.highest !== undefined) return this.catchUp();
    // After LISTEN, so an alert stored meanwhile is either above this or noticed.
    const last = BigInt(await this.o.queries.lastId());
    this.startId = last;
    if (this.highest === undefined || last > this.highest) this.highest = last;
  }

  /** Reads, in batches, every alert above the highest handed on less LATE_COMMIT_IDS (handOn drops the ones already handed on). */
  private catchUp(): void {
    const below = (this.highest ?? 0n) - LATE_COMMIT_IDS;
    const floor = below > this.startId ? below : this.startId;
    const more = async (): Promise<AmlAlertView[]> => {
      const out: AmlAlertView[] = [];
      for (;;) {
        const from = (out.length > 0 ? BigInt(out[out.length - 1]!.alertId) : floor).toString();
        const batch = await this.o.queries.after(from, CATCH_UP_BATCH);
        out.push(...batch);
        if (batch.length < CATCH_UP_BATCH) return out;
      }
    };
    this.enqueue(more);
  }
}

/** What the composition root wires for AML alerts on a database: the officers' reads, the cases, the started relay. */
export interface AmlAlerts {
  readonly alerts: AmlAlertQueries;
  readonly cases: AmlCaseStore;
  readonly relay: AmlAlertRelay;
}

/** The alerts of `db`, with the relay listening (or retrying in the background: never rejects). */
export async function openAmlAlerts(db: Database, log?: LogFn): Promise<AmlAlerts> {
  const alerts = pgAmlAlertQueries(db.pool);
  const relay = new AmlAlertRelay({ db, queries: alerts, ...(log ? { log } : {}) });
  await relay.start();
  return { alerts, cases: pgAmlCaseStore(db.pool), relay };
}
