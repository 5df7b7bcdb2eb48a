/**
 * The privileged-change report of a period (SOX style): every privileged change the audit trail
 * recorded in it (privileged-actions.ts) with who, when (µs, UTC), what, on which entity, before
 * and after (without personal fields, personal-fields.ts), and the verdict of the hash chains over
 * the period. The trail is several chains (one per partition, and the control chain -1 for what
 * belongs to no portfolio: migration 0021); each chain's records of the period are recomputed and
 * linked from the hash of its record before the period (its anchor) through its last one. A reader
 * ties this period to the one before chain by chain: each anchor's hash is the last hash the
 * previous period's report gives for that chain.
 */
import { csvLines } from '../csv-lines.js';
import { isoMicros } from '../period-bounds.js';
import { type Json, withoutPersonalFields } from './personal-fields.js';
import { type ChangeCategory, PRIVILEGED_ACTIONS, type PrivilegedAction } from './privileged-actions.js';

export interface PrivilegedChange {
  /** The audit chain of the record: a partition, or -1 (the control chain). */
  readonly chain: number;
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
  /** The chain: a partition, or -1 (the control chain). */
  readonly chain: number;
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
  /** In time order (then chain, then seq). */
  readonly changes: readonly PrivilegedChange[];
  /** Every chain with a record before the period's end, ascending. */
  readonly chains: readonly ChainStretch[];
}

function changeJson(c: PrivilegedChange) {
  const category: ChangeCategory = PRIVILEGED_ACTIONS[c.action];
  return {
    chain: c.chain, seq: c.seq, at: isoMicros(c.atUs), actor: c.actor, action: c.action, category, entityType: c.entityType, entityId: c.entityId,
    before: withoutPersonalFields(c.before), after: withoutPersonalFields(c.after),
  };
}

function chainJson(s: ChainStretch) {
  return {
    chain: s.chain, verified: s.verdict.ok ? 'ok' : 'broken',
    firstSeq: s.firstSeq, lastSeq: s.lastSeq, records: s.verdict.records,
    anchor: s.anchor, lastHash: s.lastHash,
    ...(s.verdict.ok ? {} : { brokenSeq: s.verdict.brokenSeq, reason: s.verdict.reason }),
  };
}

export function renderPrivilegedChangesJson(input: PrivilegedChangesInput): string {
  return `${JSON.stringify({
    report: 'privileged-changes', from: input.from, to: input.to,
    verified: input.chains.every((c) => c.verdict.ok) ? 'ok' : 'broken',
    chains: input.chains.map(chainJson),
    changes: input.changes.map(changeJson),
  }, null, 2)}\n`;
}

export const PRIVILEGED_CHANGES_CSV_HEADER = ['chain', 'seq', 'at', 'actor', 'action', 'category', 'entity_type', 'entity_id', 'before', 'after'] as const;

/**
 * One line per change, before/after as JSON text. The chains' verdicts come first, as comment
 * lines: `# audit ok|broken ...` over all chains, then `# chain <n> ...` for each. A CSV of changes
 * whose trail is broken must not be read without them.
 */
export function renderPrivilegedChangesCsv(input: PrivilegedChangesInput): string {
  const chains = input.chains.map(chainJson);
  const broken = chains.filter((c) => c.verified === 'broken').map((c) => c.chain);
  const records = chains.reduce((n, c) => n + c.records, 0);
  const summary = `# audit ${broken.length === 0 ? 'ok' : 'broken'} chains=${chains.length} records=${records}${broken.length > 0 ? ` broken_chains=${broken.join(' ')}` : ''}\r\n`;
  const lines = chains.map((c) => `# chain ${c.chain} ${c.verified} records=${c.records} first_seq=${c.firstSeq ?? ''} last_seq=${c.lastSeq ?? ''} anchor_seq=${c.anchor?.seq ?? ''} anchor_hash=${c.anchor?.hash ?? ''} last_hash=${c.lastHash ?? ''}${
    'brokenSeq' in c ? ` broken_seq=${c.brokenSeq} reason=${JSON.stringify(c.reason)}` : ''}\r\n`).join('');
  return summary + lines + csvLines(PRIVILEGED_CHANGES_CSV_HEADER, input.changes.map((x) => {
    const j = changeJson(x);
    return [j.chain, j.seq, j.at, j.actor, j.action, j.category, j.entityType, j.entityId, JSON.stringify(j.before), JSON.stringify(j.after)];
  }));
}
