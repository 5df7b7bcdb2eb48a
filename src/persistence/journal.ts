/**
 * The journal: makes each change of the actors durable in PostgreSQL before the engine lets a
 * client see it (the acknowledgement rule, docs/ARCHITECTURE.md). Group commit: while one commit
 * is in flight, new entries gather; the next commit takes all of them, so that concurrent orders
 * share a commit instead of paying one each, and an idle engine commits an order at once. A
 * commit is one statement, journal_commit_fenced (migrations/0021-partitions.ts), carrying the
 * batch as one json row of `journal` per partition it touches (the cheapest durable write: no
 * index but the key, no parsing into rows); projecting the rows into the tables (journal_apply)
 * follows a few milliseconds later, many batches at a time, off the acknowledgement path.
 *
 * Scale-out (docs/SCALE-OUT.md): portfolios belong to partitions, and this journal writes only
 * for the partitions its engine owns (`own`, `disown`). Each owned partition has its epoch (the
 * fence), its journal sequence and its audit hash chain. A commit lands only if every partition's
 * epoch is still current in PostgreSQL; a fenced partition (another engine took it) is dropped,
 * its entries rejected with PartitionMovedError (never acknowledged), and the rest of the batch
 * committed again. What belongs to no portfolio (security events, tick bands) is appended to the
 * control chain (-1), which every engine shares: those records are chained at commit time on the
 * head last seen, and chained again on the newer head when another engine appended first.
 *
 * A failed commit (database gone, connection lost) is retried with backoff, in order, until it
 * succeeds; nothing after it is committed first, and the acks it holds wait. Every row is an
 * upsert of absolute values or an insert keyed by the engine's ids, and a journal row is keyed by
 * (partition, seq) under the same epoch, so a retry of a commit that did land writes nothing twice.
 */
import * as hdr from 'hdr-histogram-js';
import type pg from 'pg';
import { DEFAULT_PARTITIONS, partitionOf } from '../engine/cluster/partitions.js';
import { PartitionMovedError } from '../engine/cluster/partition-moved-error.js';
import type { Holding, Order, PortfolioState } from '../engine/actors/types.js';
import type { EventJournal, JournalEntry } from '../engine/runtime/journal-port.js';
import type { AuditSink } from '../gateway/identity/ports.js';
import type { LogFn } from '../logger.js';
import { AuditChain, type AuditContent, GENESIS_HASH, type AuditRecord, type JsonValue, toJsonValue } from './audit-chain.js';
import type { PartitionGrant } from './cluster/ownership-port.js';

export { PartitionMovedError } from '../engine/cluster/partition-moved-error.js';

export interface JournalStats {
  readonly commits: number;
  readonly entries: number;
  readonly failures: number;
  /** Entries recorded and not yet durable. */
  readonly backlog: number;
  /** Entries per commit, on average. */
  readonly entriesPerCommit: number;
  /** Round trip of a successful commit (journal_commit_fenced or audit_append_control), ms, since start. */
  readonly commitMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly lastError?: string;
  /**
   * Journal rows this journal projected into the tables since it opened (journal_apply's count;
   * rows are per partition now, so there is no single sequence to report), and failed
   * projections (retried).
   */
  readonly projectedSeq: number;
  readonly projectionFailures: number;
  /** Partitions found fenced at commit (another engine took them), since start. */
  readonly fenced: number;
}

interface Batch {
  created: Record<string, unknown>[];
  states: Map<string, Record<string, unknown>>;
  limits: Map<string, Record<string, unknown>>;
  orders: Map<string, Record<string, unknown>>;
  fills: Record<string, unknown>[];
  positions: Map<string, Record<string, unknown>>;
  /** Why each portfolio's trading state was set (migration 0016): only for batches that change one. */
  reasons: Map<string, Record<string, unknown>>;
  audit: Record<string, unknown>[];
}

/** One owned partition: the grant's epoch, the next journal row's sequence, its audit chain. */
interface Owner {
  readonly partition: number;
  readonly epoch: number;
  nextSeq: number;
  readonly chain: AuditChain;
}

/**
 * An entry of a partition, or a flush mark (no owner). `owner` is the ownership the entry was
 * recorded under: if the partition is disowned (or disowned and owned again under a new epoch)
 * before the entry commits, the entry belongs to an ownership that is gone and is rejected.
 */
interface Item {
  readonly entry: JournalEntry;
  readonly owner: Owner | undefined;
  readonly audit: readonly AuditRecord[];
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** A control-chain entry (chained when committed), or a flush mark (no contents). */
interface ControlItem {
  readonly contents: readonly AuditBody[];
  readonly resolve: () => void;
}

/** An audit record's content before it has a place in a chain. */
type AuditBody = Omit<AuditContent, 'seq'>;

export interface JournalOptions {
  readonly log?: LogFn;
  /** Entries per commit at most (a backlog after an outage is committed in slices). */
  readonly maxBatch?: number;
  /** Wall clock in epoch microseconds, for audit timestamps. */
  readonly nowUs?: () => number;
  /**
   * Prepare the commit statements once per connection (default true). Off for PGlite: its socket
   * server runs every connection in one session, where a second connection's PREPARE of the
   * same name fails ("already exists").
   */
  readonly namedStatements?: boolean;
  /** Told each successful commit's round trip, in seconds (the risk_engine_journal_commit_seconds histogram). */
  readonly commitSeconds?: { observe(seconds: number): void };
  /** The deployment's partition count (PARTITIONS, default DEFAULT_PARTITIONS): which partition a portfolio's entries belong to. */
  readonly partitions?: number;
  /**
   * Told the partitions a commit found fenced (another engine took them). The journal has
   * already disowned them and rejected their entries; the ownership side drops and releases them.
   */
  readonly onFenced?: (partitions: readonly number[]) => void;
}

/** The journal's defaults: a backlog after an outage is committed in slices of maxBatch entries. */
export const JOURNAL_DEFAULTS = Object.freeze({ maxBatch: 2000, namedStatements: true, partitions: DEFAULT_PARTITIONS });

/** The control chain: audit records of no portfolio (migration 0021). */
export const CONTROL_CHAIN = -1;

const nowUsDefault = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const backoffMs = (attempt: number): number => Math.min(2000, 10 * 2 ** Math.min(attempt, 8));

interface Head { readonly seq: number; readonly hash: string }

export class PgJournal implements EventJournal {
  private queue: Item[] = [];
  private committing: Promise<void> | undefined;
  private controlQueue: ControlItem[] = [];
  private appending: Promise<void> | undefined;
  /** The control chain's head as last seen: other engines append to it too, so it may be stale. */
  private controlHead: Head;
  private readonly owned = new Map<number, Owner>();
  private commits = 0;
  private entries = 0;
  private failures = 0;
  private fencedCount = 0;
  private lastError: string | undefined;
  private committed = 0;
  /** Commit round trips in µs (1 µs to 60 s). */
  private readonly commitSeconds: JournalOptions['commitSeconds'];
  private readonly commitUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false });
  private readonly log: LogFn;
  private readonly maxBatch: number;
  private readonly nowUs: () => number;
  private readonly onFenced: JournalOptions['onFenced'];
  /** The partition count entries are mapped with (partitionOf). */
  readonly partitions: number;
  private readonly commitStmt: pg.QueryConfig;
  private readonly appendStmt: pg.QueryConfig;

  private projectedRows = 0;
  private projectionFailures = 0;
  private projectTimer: NodeJS.Timeout | undefined;
  private projecting: Promise<void> | undefined;
  private stopped = false;

  private constructor(private readonly pool: pg.Pool, controlHead: Head, projectedRows: number, opts: JournalOptions) {
    this.controlHead = controlHead;
    this.projectedRows = projectedRows;
    this.log = opts.log ?? (() => {});
    this.maxBatch = opts.maxBatch ?? JOURNAL_DEFAULTS.maxBatch;
    this.nowUs = opts.nowUs ?? nowUsDefault;
    this.commitSeconds = opts.commitSeconds;
    this.onFenced = opts.onFenced;
    this.partitions = opts.partitions ?? JOURNAL_DEFAULTS.partitions;
    const named = opts.namedStatements ?? JOURNAL_DEFAULTS.namedStatements;
    const commit = 'SELECT journal_commit_fenced($1::int[], $2::bigint[], $3::bigint[], $4::text[])';
    const append = 'SELECT audit_append_control($1::jsonb, $2::bigint, $3::text)';
    this.commitStmt = named ? { name: 'journal_commit_fenced', text: commit } : { text: commit };
    this.appendStmt = named ? { name: 'audit_append_control', text: append } : { text: append };
  }

  /**
   * Projects what was committed before (by a previous run or another engine) and reads the
   * control chain's head. The journal owns no partition yet: `own` the granted ones next.
   */
  static async open(pool: pg.Pool, opts: JournalOptions = {}): Promise<PgJournal> {
    const applied = await pool.query<{ n: string }>('SELECT journal_apply() AS n');
    return new PgJournal(pool, await readHead(pool, CONTROL_CHAIN), Number(applied.rows[0]?.n ?? 0), opts);
  }

  /**
   * Starts owning granted partitions: each continues its journal at grant.journalSeq + 1 and its
   * audit chain at the head stored in audit_log, so the caller has projected the journal since
   * the grant's epoch was bumped (nothing of the partition is left unprojected). A partition
   * already owned is owned again under the new grant (what was pending under the old one is rejected).
   */
  async own(grants: readonly PartitionGrant[]): Promise<void> {
    if (grants.length === 0) return;
    for (const g of grants) {
      if (!Number.isInteger(g.partition) || g.partition < 0 || g.partition >= this.partitions) {
        throw new RangeError(`partition ${g.partition} is outside [0, ${this.partitions})`);
      }
    }
    // One round trip for every chain head, each an index lookup (PK (chain, seq), newest first).
    const r = await this.pool.query<{ p: number; seq: string | null; hash: string | null }>(
      `SELECT p, h.seq, h.hash FROM unnest($1::int[]) AS p
       LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log WHERE chain = p ORDER BY seq DESC LIMIT 1) h ON true`,
      [grants.map((g) => g.partition)]);
    const heads = new Map(r.rows.map((x) => [x.p, x.seq === null ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(x.seq), hash: x.hash! }]));
    const again = grants.map((g) => g.partition).filter((p) => this.owned.has(p));
    if (again.length > 0) this.disown(again);
    for (const g of grants) {
      const head = heads.get(g.partition) ?? { seq: 0, hash: GENESIS_HASH };
      this.owned.set(g.partition, { partition: g.partition, epoch: g.epoch, nextSeq: g.journalSeq + 1, chain: new AuditChain(head.seq + 1, head.hash) });
    }
  }

  /**
   * Stops owning partitions (fenced, session lost, handed over, shutting down): their entries not
   * yet committed are rejected with PartitionMovedError, and new ones are refused. An entry whose
   * commit is already in flight is acknowledged if that commit lands (it landed under a current
   * epoch, so it is durable and the next owner sees it), rejected otherwise.
   */
  disown(partitions: readonly number[]): void {
    let any = false;
    for (const p of partitions) any = this.owned.delete(p) || any;
    if (!any) return;
    const kept: Item[] = [];
    for (const it of this.queue) {
      if (it.owner && !this.current(it.owner)) it.reject(new PartitionMovedError(it.owner.partition));
      else kept.push(it);
    }
    this.queue = kept;
  }

  /** Whether entries of this partition are accepted (it is owned). */
  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  /** The owned partitions, ascending. */
  ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** The partition of a portfolio entry, or CONTROL_CHAIN for an entry of no portfolio. */
  partitionOfEntry(entry: JournalEntry): number {
    if (entry.kind === 'created') return partitionOf(entry.state.portfolioId, this.partitions);
    if (entry.kind === 'changed') return partitionOf(entry.after.portfolioId, this.partitions);
    return CONTROL_CHAIN;
  }

  /**
   * Resolves once the entry is durable. An entry of a portfolio whose partition is not owned is
   * rejected at once with PartitionMovedError, and so is one whose partition is disowned or fenced
   * before it commits; control entries are never rejected (retried until durable).
   */
  record(entry: JournalEntry): Promise<void> {
    const atUs = this.nowUs();
    const partition = this.partitionOfEntry(entry);
    if (partition === CONTROL_CHAIN) {
      const contents = auditContentsOf(entry, atUs);
      const p = new Promise<void>((resolve) => this.controlQueue.push({ contents, resolve }));
      this.entries++;
      this.appending ??= this.drainControl();
      return p;
    }
    const owner = this.owned.get(partition);
    if (!owner) return Promise.reject(new PartitionMovedError(partition));
    // Audit records are chained now, in the order the engine made the changes.
    const audit = auditContentsOf(entry, atUs).map((c) => owner.chain.append(c));
    const p = new Promise<void>((resolve, reject) => this.queue.push({ entry, owner, audit, resolve, reject }));
    this.entries++;
    this.committing ??= this.drain();
    return p;
  }

  /** Resolves once everything recorded so far is settled: durable, or rejected (its partition moved). */
  flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    if (this.queue.length > 0 || this.committing !== undefined) {
      waits.push(new Promise((resolve) => {
        this.queue.push({ entry: FLUSH_MARK, owner: undefined, audit: [], resolve, reject: () => resolve() });
        this.committing ??= this.drain();
      }));
    }
    if (this.controlQueue.length > 0 || this.appending !== undefined) {
      waits.push(new Promise((resolve) => {
        this.controlQueue.push({ contents: [], resolve });
        this.appending ??= this.drainControl();
      }));
    }
    return Promise.all(waits).then(() => undefined);
  }

  stats(): JournalStats {
    const ms = (us: number): number => Math.round(us) / 1000;
    return {
      commits: this.commits, entries: this.entries, failures: this.failures, backlog: this.queue.length + this.controlQueue.length,
      projectedSeq: this.projectedRows, projectionFailures: this.projectionFailures, fenced: this.fencedCount,
      entriesPerCommit: this.commits === 0 ? 0 : Math.round((this.committed / this.commits) * 100) / 100,
      commitMs: { p50: ms(this.commitUs.getValueAtPercentile(50)), p99: ms(this.commitUs.getValueAtPercentile(99)), max: ms(this.commitUs.maxValue) },
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Projects every committed journal row into the tables now (tests, shutdown, before reading tables). */
  async project(): Promise<void> {
    if (this.projectTimer) { clearTimeout(this.projectTimer); this.projectTimer = undefined; }
    while (this.projecting) await this.projecting;
    this.projecting = (async () => {
      try {
        const r = await this.pool.query<{ n: string }>('SELECT journal_apply() AS n');
        this.projectedRows += Number(r.rows[0]?.n ?? 0);
      } finally {
        this.projecting = undefined;
      }
    })();
    await this.projecting;
  }

  /** Stops projecting on a timer (shutdown); what is committed stays in `journal` until the next start. */
  stopProjection(): void {
    if (this.projectTimer) clearTimeout(this.projectTimer);
    this.projectTimer = undefined;
    this.stopped = true;
  }

  private scheduleProjection(delayMs: number): void {
    if (this.projectTimer || this.stopped) return;
    this.projectTimer = setTimeout(() => {
      this.projectTimer = undefined;
      this.project().catch((err: unknown) => {
        // The changes are durable in `journal`; the tables catch up on the next try or start.
        this.projectionFailures++;
        this.log('warn', 'projecting the journal into the tables failed; retrying', { error: (err as Error).message });
        this.scheduleProjection(Math.min(5000, 100 * 2 ** Math.min(this.projectionFailures, 6)));
      });
    }, delayMs);
    this.projectTimer.unref();
  }

  private current(owner: Owner): boolean {
    return this.owned.get(owner.partition) === owner;
  }

  private observe(t0: number): void {
    const commitMs = performance.now() - t0;
    this.commitUs.recordValue(Math.max(1, Math.round(commitMs * 1000)));
    this.commitSeconds?.observe(commitMs / 1000);
  }

  private async drain(): Promise<void> {
    try {
      // One commit in flight at a time: what is recorded meanwhile gathers in the queue and goes
      // in the next commit (group commit), in slices of maxBatch after a backlog.
      while (this.queue.length > 0) {
        const items = this.queue.splice(0, this.maxBatch);
        const entries = items.filter((it) => it.owner !== undefined);
        if (entries.length > 0) await this.commit(entries);
        for (const it of items) if (it.owner === undefined) it.resolve();
      }
    } finally {
      this.committing = undefined;
    }
  }

  /** Commits entries of several partitions in one statement, each partition's as one journal row. */
  private async commit(items: readonly Item[]): Promise<void> {
    const byOwner = new Map<Owner, Item[]>();
    for (const it of items) {
      const list = byOwner.get(it.owner!);
      if (list) list.push(it);
      else byOwner.set(it.owner!, [it]);
    }
    // The rows are built once; a retry sends the same (partition, seq, epoch, rows), so a retry of
    // a commit that did land changes nothing.
    let rows = [...byOwner].map(([owner, its]) => ({ owner, items: its, seq: owner.nextSeq, json: batchJson(its, owner.partition) }));
    const refuse = (r: { owner: Owner; items: readonly Item[] }): void => {
      for (const it of r.items) it.reject(new PartitionMovedError(r.owner.partition));
    };
    for (let attempt = 1; ; attempt++) {
      // Partitions disowned meanwhile (fenced, lost, handed over): their entries are never acknowledged.
      rows = rows.filter((r) => this.current(r.owner) || (refuse(r), false));
      if (rows.length === 0) return;
      try {
        const t0 = performance.now();
        // A named statement where it can be: parsed and planned once per connection, not at every commit.
        await this.pool.query({
          ...this.commitStmt,
          values: [rows.map((r) => r.owner.partition), rows.map((r) => r.owner.epoch), rows.map((r) => r.seq), rows.map((r) => r.json)],
        });
        this.observe(t0);
        this.commits++;
        for (const r of rows) {
          r.owner.nextSeq = r.seq + 1;
          this.committed += r.items.length;
          for (const it of r.items) it.resolve();
        }
        this.scheduleProjection(PROJECT_DELAY_MS);
        if (attempt > 1) this.log('info', 'journal commit succeeded after retries', { attempts: attempt });
        this.lastError = undefined;
        return;
      } catch (err) {
        const fenced = fencedPartitions(err);
        if (fenced) {
          // Another engine took these partitions (their epoch moved on): nothing of this commit
          // landed. Their entries fail unacknowledged; the other partitions' are committed again at once.
          const hit = rows.filter((r) => fenced.has(r.owner.partition));
          const dropped = hit.filter((r) => this.current(r.owner)).map((r) => r.owner.partition);
          this.fencedCount += dropped.length;
          if (dropped.length > 0) {
            this.log('warn', 'journal commit fenced: partitions owned by another engine now; dropping them', { partitions: dropped });
            this.disown(dropped);
          }
          for (const r of hit) refuse(r);
          rows = rows.filter((r) => !fenced.has(r.owner.partition));
          if (dropped.length > 0) this.onFenced?.(dropped);
          if (hit.length === 0) {
            // A partition fenced that this commit does not carry cannot be: treat it as a failure.
            await this.failed(err, attempt);
          }
          continue;
        }
        await this.failed(err, attempt);
      }
    }
  }

  private async failed(err: unknown, attempt: number): Promise<void> {
    this.failures++;
    this.lastError = (err as Error).message;
    // Until this lands no later change is acknowledged: clients wait, nothing is lost.
    this.log(attempt === 1 ? 'warn' : 'error', 'journal commit failed; retrying (acknowledgements wait)', { attempt, error: this.lastError });
    await sleep(backoffMs(attempt));
  }

  private async drainControl(): Promise<void> {
    try {
      // The control chain's own group commit, independent of the partitions': one append in
      // flight, what is recorded meanwhile goes in the next one.
      while (this.controlQueue.length > 0) {
        const items = this.controlQueue.splice(0, this.maxBatch);
        const contents = items.flatMap((it) => it.contents);
        if (contents.length > 0) await this.appendControl(contents);
        this.committed += items.filter((it) => it.contents.length > 0).length;
        for (const it of items) it.resolve();
      }
    } finally {
      this.appending = undefined;
    }
  }

  /**
   * Appends records to the control chain, chained on the head last seen. Other engines append to
   * the same chain: when one did first, audit_append_control refuses (RE412) and names the head,
   * and the records are chained again on it. Never gives up (these entries cannot move away).
   */
  private async appendControl(contents: readonly AuditBody[]): Promise<void> {
    // After a failure whose outcome is unknown (the connection lost after the commit), the same
    // records (same head, same content) may be stored already: asking first keeps them from
    // being appended twice.
    let uncertain = false;
    for (let attempt = 1; ; attempt++) {
      const head = this.controlHead;
      const chain = new AuditChain(head.seq + 1, head.hash);
      const records = contents.map((c) => chain.append(c));
      const last = records.at(-1)!;
      try {
        if (uncertain) {
          const landed = await this.pool.query('SELECT 1 FROM audit_log WHERE chain = $1 AND seq = $2 AND hash = $3', [CONTROL_CHAIN, last.seq, last.hash]);
          if ((landed.rowCount ?? 0) > 0) { this.appended(last, attempt); return; }
          uncertain = false;
        }
        const t0 = performance.now();
        await this.pool.query({ ...this.appendStmt, values: [JSON.stringify(records.map(auditRow)), head.seq, head.hash] });
        this.observe(t0);
        this.commits++;
        this.appended(last, attempt);
        return;
      } catch (err) {
        const moved = movedHead(err);
        if (moved) {
          // Our own records are the head: an earlier try landed after all.
          if (moved.seq === last.seq && moved.hash === last.hash) { this.appended(last, attempt); return; }
          this.controlHead = moved;
          continue;
        }
        uncertain = true;
        await this.failed(err, attempt);
      }
    }
  }

  private appended(last: AuditRecord, attempt: number): void {
    this.controlHead = { seq: last.seq, hash: last.hash };
    if (attempt > 1 && this.lastError !== undefined) this.log('info', 'control audit append succeeded after retries', { attempts: attempt });
    this.lastError = undefined;
  }
}

/** The newest record of an audit chain, or the genesis of an empty one. */
async function readHead(pool: pg.Pool, chain: number): Promise<Head> {
  const r = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log WHERE chain = $1 ORDER BY seq DESC LIMIT 1', [chain]);
  const row = r.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** journal_commit_fenced's refusal (SQLSTATE RE409): the fenced partitions, from its DETAIL. */
function fencedPartitions(err: unknown): Set<number> | undefined {
  const e = err as { code?: string; detail?: string };
  if (e?.code !== 'RE409' || typeof e.detail !== 'string') return undefined;
  return new Set(e.detail.split(',').map((x) => Number(x.trim())).filter((x) => Number.isInteger(x)));
}

/** audit_append_control's refusal (SQLSTATE RE412): the control chain's current head, from its DETAIL "seq hash". */
function movedHead(err: unknown): Head | undefined {
  const e = err as { code?: string; detail?: string };
  if (e?.code !== 'RE412' || typeof e.detail !== 'string') return undefined;
  const [seq, hash] = e.detail.trim().split(/\s+/);
  if (seq === undefined || hash === undefined || !/^\d+$/.test(seq)) return undefined;
  return { seq: Number(seq), hash };
}

function auditRow(a: AuditRecord): Record<string, unknown> {
  return {
    seq: a.seq, at_us: a.atUs, actor: a.actor, action: a.action, entity_type: a.entityType, entity_id: a.entityId,
    before: a.before, after: a.after, prev_hash: a.prevHash, hash: a.hash,
  };
}

/** One partition's entries as one journal row: the sections that have rows (journal_commit skips an absent one). */
function batchJson(items: readonly Item[], partition: number): string {
  const batch = emptyBatch();
  for (const it of items) addTo(batch, it.entry, it.audit, partition);
  const sections: Record<string, unknown[]> = {};
  const put = (k: string, rows: unknown[]): void => { if (rows.length > 0) sections[k] = rows; };
  put('created', batch.created); put('states', [...batch.states.values()]); put('limits', [...batch.limits.values()]);
  put('orders', [...batch.orders.values()]); put('fills', batch.fills); put('positions', [...batch.positions.values()]);
  put('reasons', [...batch.reasons.values()]); put('audit', batch.audit);
  return JSON.stringify(sections, nonFiniteAsText);
}

/**
 * The audit trail as an AuditSink: a security event becomes a journal entry whose only effect is
 * its record in the control hash chain (-1), durable when the promise resolves. It belongs to no
 * portfolio, so it never moves with a partition and is never rejected.
 */
export function journalAuditSink(journal: Pick<EventJournal, 'record'>): AuditSink {
  return (e) => journal.record({ kind: 'audited', actor: e.actor, action: e.action, entityType: e.entityType, entityId: e.entityId, before: e.before, after: e.after });
}

/**
 * JSON has no NaN or Infinity (JSON.stringify would write null, which a NOT NULL column refuses
 * at projection, blocking every later batch). PostgreSQL's float8 reads the text forms, so the
 * tables hold exactly what the engine had.
 */
function nonFiniteAsText(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** How long after a commit the tables are brought up to date: batches in that window are projected together. */
const PROJECT_DELAY_MS = 20;

const FLUSH_MARK: JournalEntry = { kind: 'changed', events: [], before: undefined as unknown as PortfolioState, after: undefined as unknown as PortfolioState, by: '' };

function emptyBatch(): Batch {
  return { created: [], states: new Map(), limits: new Map(), orders: new Map(), fills: [], positions: new Map(), reasons: new Map(), audit: [] };
}

const num = (x: number | undefined): number | null => (x === undefined ? null : x);

export function orderRow(o: Order): Record<string, unknown> {
  return {
    order_id: o.orderId, portfolio_id: o.portfolioId, client_order_id: o.clientOrderId, instrument: o.instrument, side: o.side, qty: o.qty,
    order_type: o.orderType, limit_price: num(o.limitPrice), stop_price: num(o.stopPrice), status: o.status, filled_qty: o.filledQty,
    submitted_by: o.submittedBy, created_ms: o.createdMs, updated_ms: o.updatedMs, triggered_ms: num(o.triggeredMs),
    counterparty_name: o.counterparty?.name ?? null, counterparty_country: o.counterparty?.country ?? null,
  };
}

export function positionRow(portfolioId: string, h: Holding): Record<string, unknown> {
  return {
    portfolio_id: portfolioId, instrument: h.instrument.symbol, qty: h.qty, avg_price: h.avgPrice, realised_pnl: h.realisedPnl,
    multiplier: h.multiplier, vol: num(h.vol), dividend_yield: h.dividendYield, style: h.style,
  };
}

function stateRow(s: PortfolioState): Record<string, unknown> {
  return {
    portfolio_id: s.portfolioId, cash: s.cash, closed_realised_pnl: s.closedRealisedPnl ?? 0, trading_state: s.tradingState,
    next_order_seq: s.nextOrderSeq, next_fill_seq: s.nextFillSeq,
  };
}

function addTo(b: Batch, entry: JournalEntry, audit: readonly AuditRecord[], chain: number): void {
  for (const a of audit) b.audit.push({ chain, ...auditRow(a) });
  if (entry.kind === 'bandChanged' || entry.kind === 'audited') return; // its audit record is all there is to store
  if (entry.kind === 'created') {
    const s = entry.state;
    const positions = [...s.holdings.values()];
    b.created.push({
      ...stateRow(s), owner_id: s.ownerId ?? null, created_by: entry.by, initial_cash: s.cash,
      initial_positions: positions.map((h) => positionRow(s.portfolioId, h)),
    });
    b.limits.set(s.portfolioId, { portfolio_id: s.portfolioId, limits: toJsonValue(s.limits) });
    for (const h of positions) b.positions.set(`${s.portfolioId}\u0000${h.instrument.symbol}`, positionRow(s.portfolioId, h));
    return;
  }
  const id = entry.after.portfolioId;
  b.states.set(id, stateRow(entry.after));
  for (const e of entry.events) {
    switch (e.type) {
      case 'OrderAccepted': case 'OrderCancelled': case 'OrderReplaced': case 'OrderTriggered':
        b.orders.set(e.order.orderId, orderRow(e.order));
        break;
      case 'OrderFilled':
        b.orders.set(e.order.orderId, orderRow(e.order));
        b.fills.push({
          fill_id: e.fill.fillId, order_id: e.fill.orderId, client_order_id: e.fill.clientOrderId, portfolio_id: e.fill.portfolioId,
          instrument: e.fill.instrument, side: e.fill.side, qty: e.fill.qty, price: e.fill.price, ts_ms: e.fill.ts,
          counterparty_name: e.fill.counterparty?.name ?? null, counterparty_country: e.fill.counterparty?.country ?? null,
        });
        break;
      case 'PositionChanged':
        b.positions.set(`${id}\u0000${e.holding.instrument.symbol}`, positionRow(id, e.holding));
        break;
      case 'LimitsChanged':
        b.limits.set(id, { portfolio_id: id, limits: toJsonValue(e.limits) });
        break;
      case 'TradingStateChanged':
        b.reasons.set(id, { portfolio_id: id, trading_state_reason: e.reason });
        break;
      default:
        break;
    }
  }
}

/** An order as the audit trail shows it: its fields, without the parsed instrument. */
function orderJson(o: Order | undefined): JsonValue {
  if (!o) return null;
  const { parsed: _parsed, ...rest } = o;
  return toJsonValue(rest);
}

function holdingJson(h: Holding | undefined): JsonValue {
  if (!h) return null;
  return toJsonValue({ ...h, instrument: h.instrument.symbol });
}

/** The audit records of one entry, not yet chained: who did what to which entity, before and after. */
function auditContentsOf(entry: JournalEntry, atUs: number): AuditBody[] {
  if (entry === FLUSH_MARK) return [];
  if (entry.kind === 'bandChanged') {
    return [{
      atUs, actor: entry.by, action: 'market.band.changed', entityType: 'symbol', entityId: entry.symbol,
      before: toJsonValue({ maxJump: entry.before }), after: toJsonValue({ maxJump: entry.after, ...(entry.released ? { released: entry.released } : {}) }),
    }];
  }
  if (entry.kind === 'audited') {
    return [{
      atUs, actor: entry.actor, action: entry.action, entityType: entry.entityType, entityId: entry.entityId,
      before: toJsonValue(entry.before), after: toJsonValue(entry.after),
    }];
  }
  if (entry.kind === 'created') {
    const s = entry.state;
    return [{
      atUs, actor: entry.by, action: 'portfolio.created', entityType: 'portfolio', entityId: s.portfolioId, before: null,
      after: toJsonValue({
        ...(s.ownerId !== undefined ? { ownerId: s.ownerId } : {}), cash: s.cash, positions: [...s.holdings.values()].map(holdingJson), limits: s.limits, tradingState: s.tradingState,
      }),
    }];
  }
  const out: AuditBody[] = [];
  const { before, by } = entry;
  const pid = entry.after.portfolioId;
  for (const e of entry.events) {
    switch (e.type) {
      case 'OrderAccepted':
        out.push({ atUs, actor: by, action: 'order.accepted', entityType: 'order', entityId: e.order.orderId, before: null, after: orderJson(e.order) });
        break;
      case 'OrderCancelled':
        out.push({ atUs, actor: by, action: 'order.cancelled', entityType: 'order', entityId: e.order.orderId, before: orderJson(before.openOrders.get(e.order.orderId)), after: orderJson(e.order) });
        break;
      case 'OrderReplaced':
        out.push({ atUs, actor: by, action: 'order.replaced', entityType: 'order', entityId: e.order.orderId, before: orderJson(before.openOrders.get(e.order.orderId)), after: orderJson(e.order) });
        break;
      case 'OrderTriggered':
        out.push({ atUs, actor: 'engine', action: 'order.triggered', entityType: 'order', entityId: e.order.orderId, before: orderJson(before.openOrders.get(e.order.orderId)), after: orderJson(e.order) });
        break;
      case 'OrderFilled':
        // Fills are the engine's doing (matching against the market), on the order of `by`.
        out.push({ atUs, actor: 'engine', action: 'fill', entityType: 'fill', entityId: e.fill.fillId, before: null, after: toJsonValue(e.fill) });
        break;
      case 'PositionChanged':
        out.push({
          atUs, actor: 'engine', action: 'position.changed', entityType: 'position', entityId: `${pid}/${e.holding.instrument.symbol}`,
          before: holdingJson(before.holdings.get(e.holding.instrument.symbol)), after: toJsonValue({ ...(holdingJson(e.holding) as object), cash: e.cash }),
        });
        break;
      case 'LimitsChanged':
        out.push({ atUs, actor: by, action: 'limits.changed', entityType: 'portfolio', entityId: pid, before: toJsonValue(before.limits), after: toJsonValue(e.limits) });
        break;
      case 'TradingStateChanged':
        out.push({
          atUs, actor: by, action: 'trading_state.changed', entityType: 'portfolio', entityId: pid,
          before: { state: e.previous, reason: e.previousReason }, after: { state: e.state, reason: e.reason },
        });
        break;
      default:
        break;
    }
  }
  return out;
}
