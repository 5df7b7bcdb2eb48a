/** Walks the stored audit trail in pages, in seq order, and checks its hash chain. */
import type pg from 'pg';
import { type AuditRecord, type ChainCheck, GENESIS_HASH, type JsonValue, verifyChain } from './audit-chain.js';

interface Row { seq: string; at_us: string; actor: string; action: string; entity_type: string; entity_id: string; before: JsonValue | null; after: JsonValue | null; prev_hash: string; hash: string }

const PAGE = 5000;

export async function verifyAuditTrail(pool: pg.Pool): Promise<ChainCheck> {
  const state = { prevHash: GENESIS_HASH, expectSeq: 1, count: 0 };
  let after = 0;
  for (;;) {
    const page = await pool.query<Row>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, PAGE]);
    if (page.rows.length === 0) return { ok: true, records: state.count };
    const records: AuditRecord[] = page.rows.map((r) => ({
      seq: Number(r.seq), atUs: Number(r.at_us), actor: r.actor, action: r.action, entityType: r.entity_type, entityId: r.entity_id,
      before: r.before, after: r.after, prevHash: r.prev_hash, hash: r.hash,
    }));
    const check = verifyChain(records, state);
    if (!check.ok) return check;
    after = Number(page.rows.at(-1)!.seq);
  }
}
