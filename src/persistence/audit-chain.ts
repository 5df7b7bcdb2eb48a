/**
 * The audit trail's hash chain. Each record's hash is SHA-256 over its canonical content and the
 * previous record's hash, so changing, removing or reordering any stored record breaks every
 * hash after it. Canonical content is JSON with object keys sorted and non-finite numbers written
 * as strings, computed the same way when appending (from the engine's values) and when verifying
 * (from the values PostgreSQL gives back): jsonb keeps a double's shortest decimal exactly, so
 * both sides serialise to the same text.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditContent {
  readonly seq: number;
  /** Epoch microseconds, UTC. */
  readonly atUs: number;
  /** Who: a JWT subject, or `engine` for what the engine does by itself (fills from ticks). */
  readonly actor: string;
  /** What: e.g. order.accepted, fill, limits.changed. */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before: JsonValue | null;
  readonly after: JsonValue | null;
}

export interface AuditRecord extends AuditContent {
  readonly prevHash: string;
  readonly hash: string;
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/**
 * A plain JSON value of anything the engine stores: Maps become objects, non-finite numbers
 * strings ("Infinity"), undefined fields are left out. What is stored in before/after.
 */
export function toJsonValue(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) return toJsonValue(Object.fromEntries(v));
  if (typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') out[k] = toJsonValue(x);
    return out;
  }
  return String(v);
}

/** JSON text with object keys sorted: the same value gives the same text whichever store gave it back (jsonb reorders keys). */
export function canonical(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const obj = v as { readonly [k: string]: JsonValue };
  return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${canonical(obj[k] as JsonValue)}`).join(',')}}`;
}

export function hashOf(c: AuditContent, prevHash: string): string {
  const text = canonical([c.seq, c.atUs, c.actor, c.action, c.entityType, c.entityId, c.before, c.after, prevHash]);
  return createHash('sha256').update(text).digest('hex');
}

/** Appends to a chain kept in memory: the journal is the trail's one writer. */
export class AuditChain {
  constructor(private nextSeq: number, private lastHash: string) {}

  append(c: Omit<AuditContent, 'seq'>): AuditRecord {
    const content: AuditContent = { ...c, seq: this.nextSeq++ };
    const hash = hashOf(content, this.lastHash);
    const record: AuditRecord = { ...content, prevHash: this.lastHash, hash };
    this.lastHash = hash;
    return record;
  }
}

export type ChainCheck = { readonly ok: true; readonly records: number } | { readonly ok: false; readonly records: number; readonly brokenSeq: number; readonly reason: string };

/** Walks records in seq order and names the first that breaks the chain. */
export function verifyChain(records: Iterable<AuditRecord>, state: { prevHash: string; expectSeq: number; count: number } = { prevHash: GENESIS_HASH, expectSeq: 1, count: 0 }): ChainCheck {
  for (const r of records) {
    if (r.seq !== state.expectSeq) return { ok: false, records: state.count, brokenSeq: r.seq, reason: `expected record ${state.expectSeq} next, found ${r.seq} (a record is missing)` };
    if (r.prevHash !== state.prevHash) return { ok: false, records: state.count, brokenSeq: r.seq, reason: 'its prev_hash is not the previous record\'s hash' };
    if (hashOf(r, r.prevHash) !== r.hash) return { ok: false, records: state.count, brokenSeq: r.seq, reason: 'its content does not match its hash (the record was changed)' };
    state.prevHash = r.hash;
    state.expectSeq++;
    state.count++;
  }
  return { ok: true, records: state.count };
}
