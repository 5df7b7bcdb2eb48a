/**
 * The jobs of the three queues, declared once: producers (queues.ts) type their adds with these,
 * processors (src/workers/*-processor.ts) parse job.data with them, because a job may come from
 * another process or an older engine and a queue is a trust boundary.
 */
import { z } from 'zod';

/** Rows of one persist job at most: one INSERT statement's jsonb argument stays a few hundred kB. */
export const MAX_ROWS_PER_JOB = 10_000;

const jsonObject = z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected a JSON object');

/** (portfolio_id, computed_ms, seq) is unique, across engine restarts too: writing a row twice is a no-op. */
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

export const PersistJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('risk_snapshots'), rows: z.array(RiskSnapshotRow).min(1).max(MAX_ROWS_PER_JOB) }),
  z.object({ kind: z.literal('market_snapshots'), rows: z.array(MarketSnapshotRow).min(1).max(MAX_ROWS_PER_JOB) }),
]);
export type PersistJob = z.infer<typeof PersistJob>;

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
});
export type AmlFillJob = z.infer<typeof AmlFillJob>;

export const ReportJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('daily_positions_risk'), asOf: z.iso.date() }),
]);
export type ReportJob = z.infer<typeof ReportJob>;

export type QueueRole = 'persist' | 'aml' | 'report';
export const QUEUE_ROLES: readonly QueueRole[] = ['persist', 'aml', 'report'];

/** The schema of each queue's jobs, for a processor and for a replay with corrected data. */
export const JOB_SCHEMAS = { persist: PersistJob, aml: AmlFillJob, report: ReportJob } as const;

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
