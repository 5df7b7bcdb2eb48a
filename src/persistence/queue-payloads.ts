/**
 * The jobs of the three queues, declared once: producers (queues.ts) type their adds with these,
 * processors (src/workers/*-processor.ts) parse job.data with them, because a job may come from
 * another process or an older engine and a queue is a trust boundary.
 */
import { z } from 'zod';
import { COPY_COLUMNS, marketCopyText, parseCopyText, riskCopyText } from './copy-text.js';

/** Rows of one persist job at most: one INSERT statement's json argument stays a few MB. */
export const MAX_ROWS_PER_JOB = 10_000;

/**
 * Characters of one persist job's rowsJson at most: 10,000 rows of ~3 kB, far inside what a Redis
 * value and a PostgreSQL json parameter take (512 MB, 1 GB), so a runaway producer is refused here.
 */
export const MAX_ROWS_JSON_CHARS = 32 * 1024 * 1024;

const jsonObject = z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected a JSON object');

/**
 * (portfolio_id, computed_ms, seq) is unique, across engine restarts too: writing a row twice is a
 * no-op. PostgreSQL checks the same shape when it inserts a rowsJson batch (snapshot-store.ts and
 * migration 0004): keep the two in step.
 */
export const RiskSnapshotRow = z.object({
  portfolio_id: z.string().min(1),
  seq: z.number().int().nonnegative(),
  /** `ts` of the newest tick the figures include, engine clock ms. */
  tick_ts: z.number(),
  computed_ms: z.number(),
  /** The snapshot's figures as the engine streams them (greeks, VaR, margin, breaches ...). */
  figures: jsonObject,
});
export type RiskSnapshotRow = z.infer<typeof RiskSnapshotRow>;

/** (symbol, ts_ms) is unique. */
export const MarketSnapshotRow = z.object({
  symbol: z.string().min(1),
  ts_ms: z.number(),
  price: z.number(),
});
export type MarketSnapshotRow = z.infer<typeof MarketSnapshotRow>;

export const PERSIST_KINDS = ['risk_snapshots', 'market_snapshots'] as const;
export type PersistKind = (typeof PERSIST_KINDS)[number];

/**
 * A persist job as the queues add it: the batch's rows as one JSON array text. BullMQ then parses
 * one string per job instead of a thousand objects, and the worker hands the text to PostgreSQL
 * as it came (json_to_recordset), which checks every row's types and constraints as it inserts it:
 * so this schema checks only the envelope, and a row PostgreSQL refuses is reported by the worker
 * (QUEUE_PAYLOAD_INVALID, with persistJobIssues' account of it). Why: parsing a thousand rows
 * into objects and stringifying them again for PostgreSQL was most of the worker's JavaScript per
 * job; parsing one string is a tenth of it.
 */
export const PersistRowsJsonJob = z.object({
  kind: z.enum(PERSIST_KINDS),
  /** RiskSnapshotRow[] or MarketSnapshotRow[] (by kind) as JSON, at least one row. */
  rowsJson: z.string().max(MAX_ROWS_JSON_CHARS).regex(/^\s*\[\s*[^\s\]]/, 'expected a JSON array of at least one row'),
});
export type PersistRowsJsonJob = z.infer<typeof PersistRowsJsonJob>;

/**
 * The same batch with its rows as objects: what engines before the rowsJson form queued, and the
 * natural shape for an operator replaying a dead letter with corrected rows. Checked row by row.
 */
export const PersistRowsJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('risk_snapshots'), rows: z.array(RiskSnapshotRow).min(1).max(MAX_ROWS_PER_JOB) }),
  z.object({ kind: z.literal('market_snapshots'), rows: z.array(MarketSnapshotRow).min(1).max(MAX_ROWS_PER_JOB) }),
]);
export type PersistRowsJob = z.infer<typeof PersistRowsJob>;

/**
 * The batch as COPY text lines (copy-text.ts), what the queues add for a server database: the
 * worker streams it into the table with COPY, twice as fast as json_to_recordset reads rowsJson,
 * and a line the table refuses is named by PostgreSQL's error (`COPY risk_snapshots, line 7,
 * column tick_ts`). Not for the embedded database, whose socket server does not take COPY FROM
 * STDIN; the queues give it rowsJson.
 */
export const PersistRowsCopyJob = z.object({
  kind: z.enum(PERSIST_KINDS),
  rowsCopy: z.string().max(MAX_ROWS_JSON_CHARS).regex(/^[^\n]+\n/, 'expected COPY text lines, at least one row'),
});
export type PersistRowsCopyJob = z.infer<typeof PersistRowsCopyJob>;

/** What a persist job's data may be: any of the three forms; the worker writes them all. */
export type PersistJob = PersistRowsJsonJob | PersistRowsCopyJob | PersistRowsJob;

/** The forms the store writes as they are. */
export type WritableJob = PersistRowsJsonJob | PersistRowsCopyJob;

export type Checked<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly issues: string };

/** The job data in the rowsJson form, from rows a producer typed (no check: they are ours). */
export function rowsJsonJob(kind: PersistKind, rows: readonly object[]): PersistRowsJsonJob {
  return { kind, rowsJson: JSON.stringify(rows) };
}

/** The job data in the COPY form, from rows a producer typed. */
export function rowsCopyJob(kind: 'risk_snapshots', rows: readonly RiskSnapshotRow[]): PersistRowsCopyJob;
export function rowsCopyJob(kind: 'market_snapshots', rows: readonly MarketSnapshotRow[]): PersistRowsCopyJob;
export function rowsCopyJob(kind: PersistKind, rows: readonly (RiskSnapshotRow | MarketSnapshotRow)[]): PersistRowsCopyJob {
  return { kind, rowsCopy: kind === 'risk_snapshots' ? riskCopyText(rows as RiskSnapshotRow[]) : marketCopyText(rows as MarketSnapshotRow[]) };
}

type Form = 'rowsJson' | 'rowsCopy' | 'rows';

/** Which form the data claims (a rowsJson or rowsCopy key, else rows), so that issues name that form's fields. */
function formOf(data: unknown): Form {
  if (typeof data !== 'object' || data === null) return 'rows';
  return 'rowsJson' in data ? 'rowsJson' : 'rowsCopy' in data ? 'rowsCopy' : 'rows';
}

/**
 * A persist job's data as the worker writes it (rowsJson or rowsCopy), or what is wrong with it.
 * The rows form is checked row by row, then serialised; the two text forms only as far as their
 * envelope, their rows being PostgreSQL's to check.
 */
export function toWritableJob(data: unknown): Checked<WritableJob> {
  const form = formOf(data);
  if (form !== 'rows') {
    const r = (form === 'rowsJson' ? PersistRowsJsonJob : PersistRowsCopyJob).safeParse(data);
    return r.success ? { ok: true, data: r.data } : { ok: false, issues: describeIssues(r.error) };
  }
  const r = PersistRowsJob.safeParse(data);
  return r.success ? { ok: true, data: rowsJsonJob(r.data.kind, r.data.rows) } : { ok: false, issues: describeIssues(r.error) };
}

/**
 * Every issue of a persist job, its rows included in any form (`rows[3].seq: ...`, rows counted
 * from 0 and, for COPY text, lines from 1), or undefined when there is none. It parses every row,
 * so it is for the rare paths: a replay with corrected data, and explaining a refused batch.
 */
export function persistJobIssues(data: unknown): string | undefined {
  const form = formOf(data);
  if (form === 'rows') {
    const r = PersistRowsJob.safeParse(data);
    return r.success ? undefined : describeIssues(r.error);
  }
  const envelope = (form === 'rowsJson' ? PersistRowsJsonJob : PersistRowsCopyJob).safeParse(data);
  if (!envelope.success) return describeIssues(envelope.error);
  const { kind } = envelope.data;
  let rows: unknown;
  if ('rowsJson' in envelope.data) {
    try {
      rows = JSON.parse(envelope.data.rowsJson);
    } catch (err) {
      return `rowsJson: not JSON (${(err as Error).message})`;
    }
  } else {
    const lines = parseCopyText(envelope.data.rowsCopy);
    const width = COPY_COLUMNS[kind].length;
    const bad = lines.findIndex((f) => f.length !== width);
    if (bad >= 0) return `rowsCopy line ${bad + 1}: ${lines[bad]?.length} fields, expected ${width} (${COPY_COLUMNS[kind].join(', ')})`;
    rows = copyLinesAsRows(kind, lines);
  }
  const r = PersistRowsJob.safeParse({ kind, rows });
  return r.success ? undefined : describeIssues(r.error);
}

/** COPY lines (parseCopyText) as the row objects they stand for, values converted as PostgreSQL would, for the schemas to check. */
export function copyLinesAsRows(kind: PersistKind, lines: readonly (readonly (string | null)[])[]): object[] {
  return lines.map((f) => rowFromCopyFields(kind, f));
}

function rowFromCopyFields(kind: PersistKind, f: readonly (string | null)[]): object {
  const num = (s: string | null | undefined): unknown => (typeof s === 'string' && s.trim() !== '' ? Number(s) : s);
  if (kind === 'market_snapshots') return { symbol: f[0], ts_ms: num(f[1]), price: num(f[2]) };
  let figures: unknown = f[4];
  try {
    figures = JSON.parse(f[4] ?? '');
  } catch {
    // left as the text: the schema then says it is not a JSON object
  }
  return { portfolio_id: f[0], seq: num(f[1]), tick_ts: num(f[2]), computed_ms: num(f[3]), figures };
}

/** Every fill, as the engine's Fill plus the instrument's contract multiplier when known. */
export const AmlFillJob = z.object({
  fillId: z.string().min(1),
  orderId: z.string().min(1),
  portfolioId: z.string().min(1),
  instrument: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  qty: z.number().positive(),
  price: z.number(),
  /** Engine clock ms. */
  ts: z.number(),
  /** Units of the underlying per contract (100 for a listed equity option); 1 when absent. */
  multiplier: z.number().positive().optional(),
  /** ISO 3166-1 alpha-2 of the fill's counterparty, when its order named one (read from the fills table, as the amounts are). */
  counterpartyCountry: z.string().regex(/^[A-Z]{2}$/).optional(),
});
export type AmlFillJob = z.infer<typeof AmlFillJob>;

/** Fills per aml job at most: what one feeder flush (50 ms) or one sweep batch slice carries. */
export const AML_FILLS_PER_JOB = 500;

/**
 * An aml job: the fills of one feeder flush, screened in one statement. Why batches: one job per
 * fill cost, per fill, three Redis scripts (add, take, finish), the queue thread's handling and a
 * PostgreSQL statement; batching cut Redis's CPU over a quick durable bench run (100 fills/s) from
 * 0.90–0.97 s to 0.58 s. The single-fill form is still read, for jobs queued before.
 */
export const AmlFillsJob = z.object({ fills: z.array(AmlFillJob).min(1).max(AML_FILLS_PER_JOB) });
export type AmlFillsJob = z.infer<typeof AmlFillsJob>;
export type AmlJob = AmlFillsJob | AmlFillJob;

/** The schema of an aml job's form (a `fills` key: a batch), so a refusal names the fields at fault. */
export function amlJobSchema(data: unknown): typeof AmlFillsJob | typeof AmlFillJob {
  return typeof data === 'object' && data !== null && 'fills' in data ? AmlFillsJob : AmlFillJob;
}

/** The fills of an aml job of either form. */
export function fillsOf(job: AmlJob): readonly AmlFillJob[] {
  return 'fills' in job ? job.fills : [job];
}

export const ReportJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('daily_positions_risk'), asOf: z.iso.date() }),
  /** A compliance report (src/workers/reports): its request is the row `reportId` of compliance_reports. */
  z.object({ kind: z.literal('compliance_report'), reportId: z.uuid() }),
  /** The retention policy's run of a day (src/workers/retention). */
  z.object({ kind: z.literal('retention'), asOf: z.iso.date() }),
]);
export type ReportJob = z.infer<typeof ReportJob>;

export type QueueRole = 'persist' | 'aml' | 'report';
export const QUEUE_ROLES: readonly QueueRole[] = ['persist', 'aml', 'report'];

/**
 * A queue's job data checked in full, as a replay with corrected data needs: for persist, either
 * form, rows included. Resolves with the data to store (unknown keys dropped).
 */
export function checkJobData(role: QueueRole, data: unknown): Checked<unknown> {
  if (role === 'persist') {
    const issues = persistJobIssues(data);
    if (issues !== undefined) return { ok: false, issues };
    const form = formOf(data);
    return { ok: true, data: (form === 'rowsJson' ? PersistRowsJsonJob : form === 'rowsCopy' ? PersistRowsCopyJob : PersistRowsJob).parse(data) };
  }
  const r = (role === 'aml' ? amlJobSchema(data) : ReportJob).safeParse(data);
  return r.success ? { ok: true, data: r.data } : { ok: false, issues: describeIssues(r.error) };
}

/** `rows[3].seq: Invalid input: expected int, received string; ...` — first few issues, one line. */
export function describeIssues(error: z.ZodError, max = 5): string {
  const parts = error.issues.slice(0, max).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = error.issues.length > max ? `; and ${error.issues.length - max} more` : '';
  return parts.join('; ') + more;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(payload)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
