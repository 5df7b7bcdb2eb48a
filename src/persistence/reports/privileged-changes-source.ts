/**
 * What the privileged-change report reads: the audit trail's stretch of the period, in pages, in
 * seq order. Every record of the stretch is verified (a change can only be trusted if every record
 * around it is intact), and the privileged ones are kept for the report.
 *
 * The stretch is by seq, from the first record stamped in the period to the last one: the trail's
 * one writer (the journal) stamps records in seq order, and a stretch by seq verifies the linkage
 * even if a record's time were changed. Its anchor is the record just before it (its hash is the
 * first record's prev_hash); a period with no record has none to verify and names the last record
 * before its end as its anchor, so two consecutive reports still tie up.
 */
import { type AuditRecord, GENESIS_HASH, type JsonValue, verifyChain } from '../audit-chain.js';
import type { ChainStretch, PrivilegedChange, PrivilegedChangesInput } from '../../engine/reports/privileged-changes/privileged-changes-report.js';
import { isPrivilegedAction } from '../../engine/reports/privileged-changes/privileged-actions.js';
import { periodMs } from '../../engine/reports/period-bounds.js';
import type { LoadedInput, ReportSources } from '../../workers/reports/report-definition.js';

interface Row { seq: string; at_us: string; actor: string; action: string; entity_type: string; entity_id: string; before: JsonValue | null; after: JsonValue | null; prev_hash: string; hash: string }

const PAGE = 5000;

const recordOf = (r: Row): AuditRecord => ({
  seq: Number(r.seq), atUs: Number(r.at_us), actor: r.actor, action: r.action, entityType: r.entity_type, entityId: r.entity_id,
  before: r.before, after: r.after, prevHash: r.prev_hash, hash: r.hash,
});

export async function loadPrivilegedChanges(src: ReportSources, from: string, to: string): Promise<LoadedInput<PrivilegedChangesInput>> {
  const { startMs, endMs } = periodMs(from, to);
  const startUs = startMs * 1000;
  const endUs = endMs * 1000;
  const pool = src.pool;
  const bounds = (await pool.query<{ lo: string | null; hi: string | null }>(
    'SELECT min(seq) AS lo, max(seq) AS hi FROM audit_log WHERE at_us >= $1 AND at_us < $2', [startUs, endUs])).rows[0];
  const lo = bounds?.lo == null ? null : Number(bounds.lo);
  const hi = bounds?.hi == null ? null : Number(bounds.hi);
  // The anchor: the record before the stretch, or before the end of an empty period.
  const anchorRow = lo !== null
    ? (await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT 1', [lo])).rows[0]
    : (await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log WHERE at_us < $1 ORDER BY seq DESC LIMIT 1', [endUs])).rows[0];
  const anchor = anchorRow ? { seq: Number(anchorRow.seq), hash: anchorRow.hash } : null;

  const changes: PrivilegedChange[] = [];
  const state = { prevHash: anchor?.hash ?? GENESIS_HASH, expectSeq: (anchor?.seq ?? 0) + 1, count: 0 };
  let verdict: ChainStretch['verdict'] = { ok: true, records: 0 };
  if (lo !== null && hi !== null) {
    let after = anchor?.seq ?? 0;
    for (;;) {
      const page = (await pool.query<Row>('SELECT * FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3', [after, hi, PAGE])).rows;
      if (page.length === 0) break;
      const records = page.map(recordOf);
      for (const r of records) {
        if (r.atUs >= startUs && r.atUs < endUs && isPrivilegedAction(r.action)) {
          changes.push({ seq: r.seq, atUs: r.atUs, actor: r.actor, action: r.action, entityType: r.entityType, entityId: r.entityId, before: r.before, after: r.after });
        }
      }
      // Once broken, the rest is still listed (the reader sees every change) but no longer verified.
      if (verdict.ok) verdict = verifyChain(records, state);
      after = records.at(-1)!.seq;
    }
  }
  // The hash the next period's first record must carry: known only when the stretch verified (an empty one hands on its anchor's).
  const lastHash = !verdict.ok ? null : hi !== null ? state.prevHash : (anchor?.hash ?? null);
  const chain: ChainStretch = { anchor, firstSeq: lo, lastSeq: hi, lastHash, verdict };
  return {
    input: { from, to, changes, chain },
    versions: { auditFirstSeq: lo ?? 0, auditLastSeq: hi ?? anchor?.seq ?? 0, auditRecords: state.count },
  };
}
