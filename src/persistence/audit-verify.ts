/**
 * Walks the stored audit trail and checks its hash chains: each chain (a partition's, and the
 * control chain -1: migration 0021) from its genesis, in pages, in seq order. Rows written before
 * the trail was split are the control chain's beginning, so they verify as its first records.
 */
import type pg from 'pg';
import { type AuditRecord, type ChainCheck, GENESIS_HASH, type JsonValue, verifyChain } from './audit-chain.js';

interface Row { seq: string; at_us: string; actor: string; action: string; entity_type: string; entity_id: string; before: JsonValue | null; after: JsonValue | null; prev_hash: string; hash: string }

const PAGE = 5000;

/** One chain's check. */
export type ChainResult = ChainCheck & { readonly chain: number };

/**
 * The whole trail's check: ok when every chain verifies; `records` counts the records verified in
 * all chains; when one is broken, the first broken chain (lowest number) and where, and `chains`
 * has every chain's result.
 */
export type TrailCheck =
  | { readonly ok: true; readonly records: number; readonly chains: readonly ChainResult[] }
  | { readonly ok: false; readonly records: number; readonly brokenChain: number; readonly brokenSeq: number; readonly reason: string; readonly chains: readonly ChainResult[] };

/**
 * The chains the trail holds, ascending. A skip scan over the primary key (chain, seq): one index
 * probe per chain, not a pass over every record.
 */
export async function auditChains(pool: pg.Pool): Promise<number[]> {
  const r = await pool.query<{ chain: number }>(`
    WITH RECURSIVE c AS (
      (SELECT chain FROM audit_log ORDER BY chain LIMIT 1)
      UNION ALL
      SELECT (SELECT a.chain FROM audit_log a WHERE a.chain > c.chain ORDER BY a.chain LIMIT 1) FROM c WHERE c.chain IS NOT NULL
    ) SELECT chain FROM c WHERE chain IS NOT NULL`);
  return r.rows.map((x) => x.chain);
}

/** Verifies one chain from its genesis. */
export async function verifyAuditChain(pool: pg.Pool, chain: number): Promise<ChainResult> {
  const state = { prevHash: GENESIS_HASH, expectSeq: 1, count: 0 };
  let after = 0;
  for (;;) {
    const page = await pool.query<Row>('SELECT * FROM audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3', [chain, after, PAGE]);
    if (page.rows.length === 0) return { chain, ok: true, records: state.count };
    const records: AuditRecord[] = page.rows.map((r) => ({
      seq: Number(r.seq), atUs: Number(r.at_us), actor: r.actor, action: r.action, entityType: r.entity_type, entityId: r.entity_id,
      before: r.before, after: r.after, prevHash: r.prev_hash, hash: r.hash,
    }));
    const check = verifyChain(records, state);
    if (!check.ok) return { chain, ...check };
    after = Number(page.rows.at(-1)!.seq);
  }
}

/** Verifies every chain of the trail (each to its end or its first broken record). */
export async function verifyAuditTrail(pool: pg.Pool): Promise<TrailCheck> {
  const chains: ChainResult[] = [];
  for (const chain of await auditChains(pool)) chains.push(await verifyAuditChain(pool, chain));
  const records = chains.reduce((n, c) => n + c.records, 0);
  const broken = chains.find((c): c is ChainResult & { ok: false } => !c.ok);
  if (!broken) return { ok: true, records, chains };
  return { ok: false, records, brokenChain: broken.chain, brokenSeq: broken.brokenSeq, reason: broken.reason, chains };
}

/** A chain's name for people: the control chain, or a partition's. */
export function chainName(chain: number): string {
  return chain === -1 ? 'control chain' : `partition ${chain}`;
}
