/**
 * The case an alert opens, as a pure state machine: `open → investigating → escalated |
 * closed_no_action | reported`, and an escalated case ends as closed_no_action or reported (the
 * senior officer's decision). closed_no_action and reported are final. Every change names who made
 * it and why, and is kept in the case's history; notes and the assignee sit beside the state. A
 * refused change is a Failure with a code of case-errors.ts and leaves the case as it was.
 */
import { type Result, failure, ok } from '../../result.js';
import type { CaseErrorCode } from './case-errors.js';

export type CaseState = 'open' | 'investigating' | 'escalated' | 'closed_no_action' | 'reported';

export const CASE_TRANSITIONS: Readonly<Record<CaseState, readonly CaseState[]>> = Object.freeze({
  open: Object.freeze(['investigating'] as const),
  investigating: Object.freeze(['escalated', 'closed_no_action', 'reported'] as const),
  escalated: Object.freeze(['closed_no_action', 'reported'] as const),
  closed_no_action: Object.freeze([] as const),
  reported: Object.freeze([] as const),
});

/** Reasons and notes are for people; past this they are a paste of something else. */
export const CASE_TEXT_MAX_CHARS = 4000;

export interface CaseChange {
  readonly atMs: number;
  readonly actor: string;
  readonly reason: string;
  readonly from: CaseState;
  readonly to: CaseState;
}

export interface CaseNote {
  readonly atMs: number;
  readonly author: string;
  readonly text: string;
}

export interface AlertCase {
  /** The alert's key (alert.ts). */
  readonly alertKey: string;
  readonly state: CaseState;
  readonly assignee?: string;
  readonly openedMs: number;
  readonly updatedMs: number;
  readonly history: readonly CaseChange[];
  readonly notes: readonly CaseNote[];
}

export type CaseResult = Result<AlertCase, CaseErrorCode>;

export function isFinal(state: CaseState): boolean {
  return CASE_TRANSITIONS[state].length === 0;
}

export function openCase(alertKey: string, atMs: number): AlertCase {
  return { alertKey, state: 'open', openedMs: atMs, updatedMs: atMs, history: [], notes: [] };
}

function text(value: string, missing: CaseErrorCode, what: string): { readonly ok: true; readonly value: string } | ReturnType<typeof failure<CaseErrorCode>> {
  const v = value.trim();
  if (v === '') return failure(missing, `${what}: required, got an empty text`);
  if (v.length > CASE_TEXT_MAX_CHARS) return failure('CASE_TEXT_TOO_LONG', `${what}: at most ${CASE_TEXT_MAX_CHARS} characters, got ${v.length}`);
  return ok(v);
}

/**
 * The case moved to `to` by `actor` for `reason`. Taking a case into investigation with nobody
 * assigned assigns the actor: someone is always answerable for a case being worked.
 */
export function transition(c: AlertCase, to: CaseState, actor: string, reason: string, atMs: number): CaseResult {
  const who = text(actor, 'CASE_ACTOR_REQUIRED', 'actor');
  if (!who.ok) return who;
  const why = text(reason, 'CASE_REASON_REQUIRED', 'reason');
  if (!why.ok) return why;
  if (isFinal(c.state)) return failure('CASE_CLOSED', `the case is ${c.state}, a final state: it cannot become ${to}`);
  const allowed = CASE_TRANSITIONS[c.state];
  if (!allowed.includes(to)) return failure('CASE_TRANSITION_NOT_ALLOWED', `a case ${c.state} can become ${allowed.join(' or ')}, not ${to}`);
  const change: CaseChange = { atMs, actor: who.value, reason: why.value, from: c.state, to };
  const assignee = c.assignee ?? (to === 'investigating' ? who.value : undefined);
  return ok({ ...c, state: to, ...(assignee !== undefined ? { assignee } : {}), updatedMs: atMs, history: [...c.history, change] });
}

/** The case given to `assignee` by `actor` for `reason` (recorded in the history as a change to the same state). */
export function assign(c: AlertCase, assignee: string, actor: string, reason: string, atMs: number): CaseResult {
  const to = text(assignee, 'CASE_ASSIGNEE_REQUIRED', 'assignee');
  if (!to.ok) return to;
  const who = text(actor, 'CASE_ACTOR_REQUIRED', 'actor');
  if (!who.ok) return who;
  const why = text(reason, 'CASE_REASON_REQUIRED', 'reason');
  if (!why.ok) return why;
  if (isFinal(c.state)) return failure('CASE_CLOSED', `the case is ${c.state}, a final state: it cannot be reassigned`);
  const change: CaseChange = { atMs, actor: who.value, reason: `assigned to ${to.value}: ${why.value}`, from: c.state, to: c.state };
  return ok({ ...c, assignee: to.value, updatedMs: atMs, history: [...c.history, change] });
}

/** A note added by `author`; a closed case still takes notes (what was learnt after it closed belongs with it). */
export function addNote(c: AlertCase, author: string, note: string, atMs: number): CaseResult {
  const who = text(author, 'CASE_ACTOR_REQUIRED', 'author');
  if (!who.ok) return who;
  const body = text(note, 'CASE_NOTE_REQUIRED', 'note');
  if (!body.ok) return body;
  return ok({ ...c, updatedMs: atMs, notes: [...c.notes, { atMs, author: who.value, text: body.value }] });
}
