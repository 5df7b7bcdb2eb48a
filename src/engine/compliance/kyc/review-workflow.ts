/**
 * The KYC review workflow as a pure transition, `(case, command, nowMs) → case + the transition to
 * audit`, or a refusal with a stable code.
 *
 *   submitted ──start_review──▶ in_review ──approve──────▶ approved
 *       ▲                           │ ├───reject───────▶ rejected
 *       └──────resubmit─────── needs_info ◀─request_info─┘
 *
 * Maker-checker: the officer who put the case in review (the maker, `reviewerId`) may not approve
 * or reject it; a second compliance officer (the checker) decides. Neither may be the customer.
 * Every transition carries an actor and a reason. Whether the actor holds the compliance_officer
 * role is the gateway's check; the workflow knows people, not roles.
 */
import { z } from 'zod';
import { failure, ok, type Result } from '../../result.js';
import type { KycErrorCode } from './kyc-errors.js';

export const KYC_STATES = ['submitted', 'in_review', 'approved', 'rejected', 'needs_info'] as const;
export type KycState = (typeof KYC_STATES)[number];

export const KYC_ACTIONS = ['start_review', 'approve', 'reject', 'request_info', 'resubmit'] as const;

export const MAX_REASON_CHARS = 1000;
/** A body's reason may carry blanks around it, trimmed before the 1000-character rule applies. */
const MAX_REASON_CHARS_BODY = MAX_REASON_CHARS * 2;
export type KycAction = (typeof KYC_ACTIONS)[number];

/** The actions of a compliance officer (the customer's is `resubmit`, through a new submission). */
export const OFFICER_ACTIONS = ['start_review', 'approve', 'reject', 'request_info'] as const;

/** An officer's decision as the route receives it (POST /kyc/{userId}/decision); the actor is the caller. */
export const KycDecisionBody = z.strictObject({
  action: z.enum(OFFICER_ACTIONS),
  reason: z.string().max(MAX_REASON_CHARS_BODY),
});
export type KycDecisionBody = z.infer<typeof KycDecisionBody>;

/** What the workflow needs to know of a case. */
export interface KycCase {
  /** The customer. */
  readonly userId: string;
  readonly state: KycState;
  /** The officer who put the case in review (the maker); cleared when the customer resubmits. */
  readonly reviewerId: string | null;
  /** The officer who approved or rejected it (the checker). */
  readonly decidedBy: string | null;
  /** Bumped by every transition: the store's guard against two officers deciding at once. */
  readonly version: number;
  readonly updatedMs: number;
}

export interface KycCommand {
  readonly action: KycAction;
  readonly actor: string;
  readonly reason: string;
}

/** One transition, as audited (kyc_transitions). */
export interface KycTransition {
  readonly userId: string;
  /** null for the first submission. */
  readonly from: KycState | null;
  readonly to: KycState;
  readonly action: KycAction | 'submit';
  readonly actor: string;
  readonly reason: string;
  readonly atMs: number;
}

const MOVES: Readonly<Record<KycAction, { readonly from: KycState; readonly to: KycState }>> = {
  start_review: { from: 'submitted', to: 'in_review' },
  approve: { from: 'in_review', to: 'approved' },
  reject: { from: 'in_review', to: 'rejected' },
  request_info: { from: 'in_review', to: 'needs_info' },
  resubmit: { from: 'needs_info', to: 'submitted' },
};


// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkActorAndReason(actor: string, reason: string): Result<{ actor: string; reason: string }, KycErrorCode> {
  const a = typeof actor === 'string' ? actor.trim() : '';
  const r = typeof reason === 'string' ? reason.trim() : '';
  if (a.length === 0 || a.length > 200 || CONTROL.test(a)) return failure('KYC_ACTOR_REQUIRED', 'a transition names its actor (1 to 200 characters, no control characters)');
  if (r.length === 0 || r.length > MAX_REASON_CHARS || CONTROL.test(r.replace(/[\n\t]/g, ' '))) {
    return failure('KYC_REASON_REQUIRED', `a transition gives a reason of 1 to ${MAX_REASON_CHARS} characters (no control characters but newlines and tabs)`);
  }
  return ok({ actor: a, reason: r });
}

/** A new case, as the customer's first submission opens it. */
export function openCase(userId: string, reason: string, nowMs: number): Result<{ case: KycCase; transition: KycTransition }, KycErrorCode> {
  const c = checkActorAndReason(userId, reason);
  if (!c.ok) return c;
  return ok({
    case: { userId, state: 'submitted', reviewerId: null, decidedBy: null, version: 1, updatedMs: nowMs },
    transition: { userId, from: null, to: 'submitted', action: 'submit', actor: userId, reason: c.value.reason, atMs: nowMs },
  });
}

/** The case after `cmd`, and the transition to audit; or why it is refused. */
export function transition(kyc: KycCase, cmd: KycCommand, nowMs: number): Result<{ case: KycCase; transition: KycTransition }, KycErrorCode> {
  const move = (MOVES as Partial<Record<string, (typeof MOVES)[KycAction]>>)[cmd.action];
  if (move === undefined) return failure('KYC_BAD_TRANSITION', `unknown action "${String(cmd.action)}"; expected one of ${KYC_ACTIONS.join(', ')}`);
  const c = checkActorAndReason(cmd.actor, cmd.reason);
  if (!c.ok) return c;
  const { actor, reason } = c.value;
  if (kyc.state !== move.from) return failure('KYC_BAD_TRANSITION', `${cmd.action} needs a case in ${move.from}, this one is ${kyc.state}`);

  if (cmd.action === 'resubmit') {
    if (actor !== kyc.userId) return failure('KYC_NOT_SUBJECT', 'only the customer resubmits their KYC');
  } else if (actor === kyc.userId) {
    return failure('KYC_SELF_REVIEW', 'an officer may not review or decide their own KYC');
  }
  if ((cmd.action === 'approve' || cmd.action === 'reject') && actor === kyc.reviewerId) {
    return failure('KYC_SAME_OFFICER', `${actor} put this case in review; a second compliance officer must ${cmd.action} it`);
  }

  const next: KycCase = {
    ...kyc,
    state: move.to,
    reviewerId: cmd.action === 'start_review' ? actor : cmd.action === 'resubmit' ? null : kyc.reviewerId,
    decidedBy: cmd.action === 'approve' || cmd.action === 'reject' ? actor : kyc.decidedBy,
    version: kyc.version + 1,
    updatedMs: nowMs,
  };
  return ok({ case: next, transition: { userId: kyc.userId, from: kyc.state, to: move.to, action: cmd.action, actor, reason, atMs: nowMs } });
}
