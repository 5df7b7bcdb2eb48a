/**
 * Snapshot rows in PostgreSQL's COPY text format (one line per row, fields separated by tabs,
 * backslash escapes), the form the persist queue carries for a server database: COPY takes 1000
 * rows of ~0.9 kB in about half the time json_to_recordset does (docs/BENCHMARKS.md). Written by hand because it is a dozen lines over a fixed, documented format
 * ("COPY ... text format" in the PostgreSQL manual), with no library for the producer's side.
 *
 * Numbers are written with String(): a non-finite one comes out as NaN or Infinity, which the
 * float8 input accepts and the tables' CHECKs refuse (migration 0005), and which bigint refuses.
 */
import type { MarketSnapshotRow, PersistKind, RiskSnapshotRow } from './queue-payloads.js';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text field: backslash, tab, newline and carriage return escaped. */
export function copyField(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string) : s;
}

/** Columns in the order the lines carry them, per table. */
export const COPY_COLUMNS: Readonly<Record<PersistKind, readonly string[]>> = {
  risk_snapshots: ['portfolio_id', 'seq', 'tick_ts', 'computed_ms', 'figures'],
  market_snapshots: ['symbol', 'ts_ms', 'price'],
};

export function riskCopyText(rows: readonly RiskSnapshotRow[]): string {
  let out = '';
  for (const r of rows) out += `${copyField(r.portfolio_id)}\t${r.seq}\t${r.tick_ts}\t${r.computed_ms}\t${copyField(JSON.stringify(r.figures))}\n`;
  return out;
}

export function marketCopyText(rows: readonly MarketSnapshotRow[]): string {
  let out = '';
  for (const r of rows) out += `${copyField(r.symbol)}\t${r.ts_ms}\t${r.price}\n`;
  return out;
}

const UNESCAPES: Readonly<Record<string, string>> = { '\\': '\\', t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' };

/**
 * The fields of each line, unescaped (`\N` is null). For the rare paths only: explaining a batch
 * the database refused, and the in-memory store of the unit tests.
 */
export function parseCopyText(text: string): (string | null)[][] {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((line) =>
    line.split('\t').map((f) => (f === '\\N' ? null : f.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c))),
  );
}
