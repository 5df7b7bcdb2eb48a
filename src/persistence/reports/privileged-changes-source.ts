/**
 * What the privileged-change report reads: each audit chain's stretch of the period, in pages, in
 * seq order. Every record of a stretch is verified (a change can only be trusted if every record
 * around it is intact), and the privileged ones are kept for the report.
 *
 * The trail is several chains (a partition's, and the control chain -1: migration 0021), each
 * written by one writer at a time in seq order, so each is read and verified on its own. A
 * chain's stretch is by seq, from its first record stamped in the period to its last one: a
 * stretch by seq verifies the linkage even if a record's time were changed. Its anchor is the
 * chain's record just before it (its hash is the first record's prev_hash); a chain with no
 * record in the period has none to verify and names its last record before the period's end as
 * its anchor, so two consecutive reports still tie up chain by chain.
 */
import { createHash } from 'node:crypto';
import { type AuditRecord, GENESIS_HASH, type JsonValue, verifyChain } from '../audit-chain.js';
import type { ChainStretch, PrivilegedChange, PrivilegedChangesInput } from '../../engine/reports/privileged-changes/privileged-changes-report.js';
import { isPrivilegedAction } from '../../engine/reports/privileged-changes/privileged-actions.js';
import { periodMs } from '../../engine/reports/period-bounds.js';
import type { LoadedInput, ReportSources } from '../../workers/reports/report-definition.js';
import { auditChains } from '../audit-verify.js';

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
  const bounds = new Map((await pool.query<{ chain: number; lo: string; hi: string }>(
    'SELECT chain, min(seq) AS lo, max(seq) AS hi FROM audit_log WHERE at_us >= $1 AND at_us < $2 GROUP BY chain', [startUs, endUs])).rows
    .map((r) => [r.chain, { lo: Number(r.lo), hi: Number(r.hi) }] as const));

  const changes: PrivilegedChange[] = [];
  const chains: ChainStretch[] = [];
  let records = 0;
  for (const chain of await auditChains(pool)) {
    const b = bounds.get(chain);
    // The anchor: the chain's record before its stretch, or before the end of a period it has no record in.
    const anchorRow = b
      ? (await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log WHERE chain = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1', [chain, b.lo])).rows[0]
      : (await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log WHERE chain = $1 AND at_us < $2 ORDER BY seq DESC LIMIT 1', [chain, endUs])).rows[0];
    const anchor = anchorRow ? { seq: Number(anchorRow.seq), hash: anchorRow.hash } : null;
    if (!b && !anchor) continue; // the chain begins after the period

    const state = { prevHash: anchor?.hash ?? GENESIS_HASH, expectSeq: (anchor?.seq ?? 0) + 1, count: 0 };
    let verdict: ChainStretch['verdict'] = { ok: true, records: 0 };
    if (b) {
      let after = anchor?.seq ?? 0;
      for (;;) {
        const page = (await pool.query<Row>('SELECT * FROM audit_log WHERE chain = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4', [chain, after, b.hi, PAGE])).rows;
        if (page.length === 0) break;
        const recs = page.map(recordOf);
        for (const r of recs) {
          if (r.atUs >= startUs && r.atUs < endUs && isPrivilegedAction(r.action)) {
            changes.push({ chain, seq: r.seq, atUs: r.atUs, actor: r.actor, action: r.action, entityType: r.entityType, entityId: r.entityId, before: r.before, after: r.after });
          }
        }
        // Once broken, the rest is still listed (the reader sees every change) but no longer verified.
        if (verdict.ok) verdict = verifyChain(recs, state);
        after = recs.at(-1)!.seq;
      }
    }
    // The hash the next period's first record of this chain must carry: known only when the stretch verified (an empty one hands on its anchor's).
    const lastHash = !verdict.ok ? null : b ? state.prevHash : (anchor?.hash ?? null);
    chains.push({ chain, anchor, firstSeq: b?.lo ?? null, lastSeq: b?.hi ?? null, lastHash, verdict });
    records += state.count;
  }
  changes.sort((x, y) => x.atUs - y.atUs || x.chain - y.chain || x.seq - y.seq);
  // Which records were read, chain by chain: equal for two runs over the same trail.
  const stretches = chains.map((c) => `${c.chain}:${c.anchor?.seq ?? 0}:${c.firstSeq ?? ''}-${c.lastSeq ?? ''}`).join(',');
  return {
    input: { from, to, changes, chains },
    versions: { auditChains: chains.length, auditRecords: records, auditStretches: createHash('sha256').update(stretches).digest('hex').slice(0, 16) },
  };
}
