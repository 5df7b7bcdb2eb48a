import { describe, expect, it } from 'vitest';
import type { KycErrorCode } from '../../../../src/engine/compliance/kyc/kyc-errors.js';
import { type KycCase, type KycCommand, openCase, transition } from '../../../../src/engine/compliance/kyc/review-workflow.js';

const T0 = Date.UTC(2026, 5, 1, 9);
const CUSTOMER = 'user-anna';
const MAKER = 'officer-1';
const CHECKER = 'officer-2';

function opened(): KycCase {
  const r = openCase(CUSTOMER, 'first submission', T0);
  if (!r.ok) throw new Error(r.message);
  return r.value.case;
}

function run(c: KycCase, ...cmds: KycCommand[]): KycCase {
  let at = c;
  for (const [i, cmd] of cmds.entries()) {
    const r = transition(at, cmd, T0 + (i + 1) * 1000);
    if (!r.ok) throw new Error(`${cmd.action}: ${r.code} ${r.message}`);
    at = r.value.case;
  }
  return at;
}

function refusal(c: KycCase, cmd: KycCommand): KycErrorCode {
  const r = transition(c, cmd, T0 + 60_000);
  if (r.ok) throw new Error(`${cmd.action} was allowed`);
  return r.code;
}

const review: KycCommand = { action: 'start_review', actor: MAKER, reason: 'documents received' };

describe('KYC review workflow', () => {
  it('opens a case in submitted, the customer its actor, with an audited transition from nothing', () => {
    const r = openCase(CUSTOMER, 'first submission', T0);
    expect(r.ok && r.value).toEqual({
      case: { userId: CUSTOMER, state: 'submitted', reviewerId: null, decidedBy: null, version: 1, updatedMs: T0 },
      transition: { userId: CUSTOMER, from: null, to: 'submitted', action: 'submit', actor: CUSTOMER, reason: 'first submission', atMs: T0 },
    });
  });

  it('approves with two officers: one reviews, another decides, and each step is recorded', () => {
    const inReview = run(opened(), review);
    expect(inReview).toMatchObject({ state: 'in_review', reviewerId: MAKER, version: 2 });
    const r = transition(inReview, { action: 'approve', actor: CHECKER, reason: 'documents match, screening clear' }, T0 + 5000);
    expect(r.ok && r.value).toEqual({
      case: { userId: CUSTOMER, state: 'approved', reviewerId: MAKER, decidedBy: CHECKER, version: 3, updatedMs: T0 + 5000 },
      transition: { userId: CUSTOMER, from: 'in_review', to: 'approved', action: 'approve', actor: CHECKER, reason: 'documents match, screening clear', atMs: T0 + 5000 },
    });
  });

  it('refuses approval by the officer who reviewed the case (KYC_SAME_OFFICER), and rejection too', () => {
    const inReview = run(opened(), review);
    expect(refusal(inReview, { action: 'approve', actor: MAKER, reason: 'looks fine' })).toBe('KYC_SAME_OFFICER');
    expect(refusal(inReview, { action: 'reject', actor: ` ${MAKER} `, reason: 'no' })).toBe('KYC_SAME_OFFICER');
    expect(run(inReview, { action: 'reject', actor: CHECKER, reason: 'forged document' })).toMatchObject({ state: 'rejected', decidedBy: CHECKER });
  });

  it('refuses an officer reviewing or deciding their own KYC (KYC_SELF_REVIEW)', () => {
    expect(refusal(opened(), { action: 'start_review', actor: CUSTOMER, reason: 'mine' })).toBe('KYC_SELF_REVIEW');
    const inReview = run(opened(), review);
    expect(refusal(inReview, { action: 'approve', actor: CUSTOMER, reason: 'mine' })).toBe('KYC_SELF_REVIEW');
  });

  it('asks for information, lets only the customer resubmit, and needs a new review (a new maker) after it', () => {
    const asked = run(opened(), review, { action: 'request_info', actor: MAKER, reason: 'the scan is blurred' });
    expect(asked.state).toBe('needs_info');
    expect(refusal(asked, { action: 'resubmit', actor: CHECKER, reason: 'on her behalf' })).toBe('KYC_NOT_SUBJECT');
    const again = run(asked, { action: 'resubmit', actor: CUSTOMER, reason: 'a sharper scan' });
    expect(again).toMatchObject({ state: 'submitted', reviewerId: null });
    // After resubmission the former checker may review, and the former maker then decides.
    const reviewed = run(again, { action: 'start_review', actor: CHECKER, reason: 'second look' });
    expect(refusal(reviewed, { action: 'approve', actor: CHECKER, reason: 'ok' })).toBe('KYC_SAME_OFFICER');
    expect(run(reviewed, { action: 'approve', actor: MAKER, reason: 'ok' })).toMatchObject({ state: 'approved', reviewerId: CHECKER, decidedBy: MAKER });
  });

  it.each([
    ['approving a case nobody reviewed', 'submitted', 'approve'],
    ['rejecting a case nobody reviewed', 'submitted', 'reject'],
    ['reviewing a case already in review', 'in_review', 'start_review'],
    ['resubmitting a case in review', 'in_review', 'resubmit'],
    ['approving an approved case again', 'approved', 'approve'],
    ['reopening a rejected case', 'rejected', 'start_review'],
    ['asking for information on an approved case', 'approved', 'request_info'],
  ] as const)('refuses %s (KYC_BAD_TRANSITION)', (_, state, action) => {
    const c: KycCase = { userId: CUSTOMER, state, reviewerId: MAKER, decidedBy: null, version: 4, updatedMs: T0 };
    const actor = action === 'resubmit' ? CUSTOMER : 'officer-3';
    expect(refusal(c, { action, actor, reason: 'because' })).toBe('KYC_BAD_TRANSITION');
  });

  it('refuses an unknown action without throwing', () => {
    expect(refusal(opened(), { action: 'bribe' as never, actor: MAKER, reason: 'please' })).toBe('KYC_BAD_TRANSITION');
  });

  it('requires an actor and a reason of 1 to 1000 characters on every transition', () => {
    expect(refusal(opened(), { ...review, actor: '  ' })).toBe('KYC_ACTOR_REQUIRED');
    expect(refusal(opened(), { ...review, reason: '' })).toBe('KYC_REASON_REQUIRED');
    expect(refusal(opened(), { ...review, reason: ' \n ' })).toBe('KYC_REASON_REQUIRED');
    expect(refusal(opened(), { ...review, reason: 'x'.repeat(1001) })).toBe('KYC_REASON_REQUIRED');
    expect(refusal(opened(), { ...review, reason: 'a\u0000b' })).toBe('KYC_REASON_REQUIRED');
    expect(refusal(opened(), { ...review, actor: 'officer\u001b[31m' })).toBe('KYC_ACTOR_REQUIRED');
    expect(run(opened(), { ...review, reason: 'line one\n\tline two' }).state).toBe('in_review');
    expect(refusal(opened(), { ...review, reason: undefined as never })).toBe('KYC_REASON_REQUIRED');
    const first = openCase(CUSTOMER, '', T0);
    expect(first.ok ? null : first.code).toBe('KYC_REASON_REQUIRED');
  });
});
