/**
 * The privileged-change report of a period (SOX style): every privileged change the audit trail
 * recorded in it (privileged-actions.ts) with who, when (µs, UTC), what, on which entity, before
 * and after (without personal fields, personal-fields.ts), and the verdict of the hash chain over
 * the period: the records of the period recomputed and linked from the hash of the record before
 * the period (the anchor) through the last one. A reader can tie this period to the one before by
 * the anchor's hash, which the report of the previous period gives as its last hash.
 */
import { csvLines } from '../csv-lines.js';
import { isoMicros } from '../period-bounds.js';
import { type Json, withoutPersonalFields } from './personal-fields.js';
import { type ChangeCategory, PRIVILEGED_ACTIONS, type PrivilegedAction } from './privileged-actions.js';

export interface PrivilegedChange {
  readonly seq: number;
  readonly atUs: number;
  readonly actor: string;
  readonly action: PrivilegedAction;
  readonly entityType: string;
  readonly entityId: string;
  readonly before: Json;
  readonly after: Json;
}

/** What verifying the period's stretch of the chain found (src/persistence/audit-chain.ts verifyChain). */
export type ChainVerdict =
  | { readonly ok: true; readonly records: number }
  | { readonly ok: false; readonly records: number; readonly brokenSeq: number; readonly reason: string };

export interface ChainStretch {
  /** The record just before the period, whose hash the period's first record must carry; null: the period starts the trail. */
  readonly anchor: { readonly seq: number; readonly hash: string } | null;
  /** The first and last records of the period (null, null: none). */
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** The hash of the last record verified. */
  readonly lastHash: string | null;
  readonly verdict: ChainVerdict;
}

export interface PrivilegedChangesInput {
  readonly from: string;
  readonly to: string;
  /** In seq order. */
  readonly changes: readonly PrivilegedChange[];
  readonly chain: ChainStretch;
}

function changeJson(c: PrivilegedChange) {
  const category: ChangeCategory = PRIVILEGED_ACTIONS[c.action];
  return {
    seq: c.seq, at: isoMicros(c.atUs), actor: c.actor, action: c.action, category, entityType: c.entityType, entityId: c.entityId,
    before: withoutPersonalFields(c.before), after: withoutPersonalFields(c.after),
  };
}

function chainJson(s: ChainStretch) {
  return {
    verified: s.verdict.ok ? 'ok' : 'broken',
    firstSeq: s.firstSeq, lastSeq: s.lastSeq, records: s.verdict.records,
    anchor: s.anchor, lastHash: s.lastHash,
    ...(s.verdict.ok ? {} : { brokenSeq: s.verdict.brokenSeq, reason: s.verdict.reason }),
  };
}

export function renderPrivilegedChangesJson(input: PrivilegedChangesInput): string {
  return `${JSON.stringify({
    report: 'privileged-changes', from: input.from, to: input.to,
    chain: chainJson(input.chain),
    changes: input.changes.map(changeJson),
  }, null, 2)}\n`;
}

export const PRIVILEGED_CHANGES_CSV_HEADER = ['seq', 'at', 'actor', 'action', 'category', 'entity_type', 'entity_id', 'before', 'after'] as const;

/**
 * One line per change, before/after as JSON text. The chain's verdict comes first, as a comment
 * line (`# chain ...`): a CSV of changes whose trail is broken must not be read without it.
 */
export function renderPrivilegedChangesCsv(input: PrivilegedChangesInput): string {
  const c = chainJson(input.chain);
  const verdict = `# chain ${c.verified} records=${c.records} first_seq=${c.firstSeq ?? ''} last_seq=${c.lastSeq ?? ''} anchor_seq=${c.anchor?.seq ?? ''} anchor_hash=${c.anchor?.hash ?? ''} last_hash=${c.lastHash ?? ''}${
    'brokenSeq' in c ? ` broken_seq=${c.brokenSeq} reason=${JSON.stringify(c.reason)}` : ''}\r\n`;
  return verdict + csvLines(PRIVILEGED_CHANGES_CSV_HEADER, input.changes.map((x) => {
    const j = changeJson(x);
    return [j.seq, j.at, j.actor, j.action, j.category, j.entityType, j.entityId, JSON.stringify(j.before), JSON.stringify(j.after)];
  }));
}
