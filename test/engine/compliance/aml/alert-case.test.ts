import { describe, expect, it } from 'vitest';
import { type AlertCase, type CaseState, CASE_TEXT_MAX_CHARS, CASE_TRANSITIONS, addNote, assign, openCase, transition } from '../../../../src/engine/compliance/aml/alert-case.js';

const opened = openCase('LARGE_NOTIONAL:P1-f7', 1_000);
const STATES: CaseState[] = ['open', 'investigating', 'escalated', 'closed_no_action', 'reported'];

function walk(path: readonly CaseState[]): AlertCase {
  let c = opened;
  for (const [i, to] of path.entries()) {
    const r = transition(c, to, 'officer-a', `step ${i}`, 2_000 + i);
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    c = r.value;
  }
  return c;
}

describe('an alert case', () => {
  it('opens unassigned, with no history', () => {
    expect(opened).toEqual({ alertKey: 'LARGE_NOTIONAL:P1-f7', state: 'open', openedMs: 1_000, updatedMs: 1_000, history: [], notes: [] });
  });

  it('goes open → investigating → escalated → reported, each change recording its actor, reason and time', () => {
    const c = walk(['investigating', 'escalated', 'reported']);
    expect(c.state).toBe('reported');
    expect(c.history).toEqual([
      { atMs: 2_000, actor: 'officer-a', reason: 'step 0', from: 'open', to: 'investigating' },
      { atMs: 2_001, actor: 'officer-a', reason: 'step 1', from: 'investigating', to: 'escalated' },
      { atMs: 2_002, actor: 'officer-a', reason: 'step 2', from: 'escalated', to: 'reported' },
    ]);
    expect(walk(['investigating', 'closed_no_action']).state).toBe('closed_no_action');
    expect(walk(['investigating', 'escalated', 'closed_no_action']).state).toBe('closed_no_action');
  });

  it('allows exactly the documented transitions and refuses every other with CASE_TRANSITION_NOT_ALLOWED or, from a final state, CASE_CLOSED', () => {
    const reach: Record<CaseState, CaseState[]> = {
      open: [], investigating: ['investigating'], escalated: ['investigating', 'escalated'],
      closed_no_action: ['investigating', 'closed_no_action'], reported: ['investigating', 'reported'],
    };
    for (const from of STATES) {
      const c = walk(reach[from]);
      for (const to of STATES) {
        const r = transition(c, to, 'officer-b', 'because', 9_000);
        if (CASE_TRANSITIONS[from].includes(to)) expect(r.ok, `${from} → ${to}`).toBe(true);
        else expect(r.ok ? 'ok' : r.code, `${from} → ${to}`).toBe(from === 'closed_no_action' || from === 'reported' ? 'CASE_CLOSED' : 'CASE_TRANSITION_NOT_ALLOWED');
      }
    }
  });

  it('refuses to skip investigation, naming the states it may go to', () => {
    expect(transition(opened, 'reported', 'officer-a', 'obvious', 2_000)).toEqual({
      ok: false, code: 'CASE_TRANSITION_NOT_ALLOWED', message: 'a case open can become investigating, not reported',
    });
  });

  it('needs an actor and a reason for every change, blank ones refused with their own codes', () => {
    expect(transition(opened, 'investigating', '  ', 'looking', 2_000)).toMatchObject({ ok: false, code: 'CASE_ACTOR_REQUIRED' });
    expect(transition(opened, 'investigating', 'officer-a', '', 2_000)).toMatchObject({ ok: false, code: 'CASE_REASON_REQUIRED' });
    expect(transition(opened, 'investigating', 'officer-a', 'x'.repeat(CASE_TEXT_MAX_CHARS + 1), 2_000)).toMatchObject({ ok: false, code: 'CASE_TEXT_TOO_LONG' });
  });

  it('assigns the officer who takes it into investigation when nobody is assigned, and keeps an assignee already named', () => {
    expect(walk(['investigating']).assignee).toBe('officer-a');
    const assigned = assign(opened, 'officer-c', 'head-of-compliance', 'her caseload is lightest', 1_500);
    expect(assigned.ok && assigned.value.assignee).toBe('officer-c');
    if (!assigned.ok) return;
    const taken = transition(assigned.value, 'investigating', 'officer-a', 'starting', 2_000);
    expect(taken.ok && taken.value.assignee).toBe('officer-c');
    expect(assigned.value.history).toEqual([{ atMs: 1_500, actor: 'head-of-compliance', reason: 'assigned to officer-c: her caseload is lightest', from: 'open', to: 'open' }]);
  });

  it('refuses to reassign a closed case, or to assign nobody', () => {
    expect(assign(walk(['investigating', 'reported']), 'officer-c', 'head', 'again', 3_000)).toMatchObject({ ok: false, code: 'CASE_CLOSED' });
    expect(assign(opened, '', 'head', 'nobody', 3_000)).toMatchObject({ ok: false, code: 'CASE_ASSIGNEE_REQUIRED' });
  });

  it('takes notes in any state, a closed case included, but never an empty one', () => {
    const closed = walk(['investigating', 'closed_no_action']);
    const noted = addNote(closed, 'officer-a', 'customer called: the trade was a hedge', 5_000);
    expect(noted.ok && noted.value.notes).toEqual([{ atMs: 5_000, author: 'officer-a', text: 'customer called: the trade was a hedge' }]);
    expect(addNote(closed, 'officer-a', ' ', 5_000)).toMatchObject({ ok: false, code: 'CASE_NOTE_REQUIRED' });
  });

  it('leaves the case it was given unchanged (a refused or accepted change returns a new one)', () => {
    const before = JSON.stringify(opened);
    transition(opened, 'investigating', 'officer-a', 'go', 2_000);
    transition(opened, 'reported', 'officer-a', 'no', 2_000);
    addNote(opened, 'officer-a', 'n', 2_000);
    expect(JSON.stringify(opened)).toBe(before);
  });
});
