/** The AML case store on this machine's PostgreSQL: a case worked through to its end, refusals writing nothing, two officers at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNote, assign, transition } from '../../src/engine/compliance/aml/alert-case.js';
import { pgAmlCaseStore } from '../../src/persistence/aml-case-store.js';
import { openTestDb, type TestDb } from './queue-harness.js';

let t: TestDb;

const newAlert = async (fillId: string): Promise<string> =>
  (await t.db.pool.query<{ id: string }>(`INSERT INTO aml_alerts (fill_id, portfolio_id, rule, severity, notional) VALUES ($1, 'p', 'WASH_TRADE', 'high', 1e4) RETURNING id`, [fillId])).rows[0]!.id;

describe.each(['server', 'embedded'] as const)('the AML case store (%s)', (kind) => {
  beforeAll(async () => {
    t = await openTestDb(kind);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('works a case from open to reported, keeping each change, the assignee and the notes', async () => {
    const store = pgAmlCaseStore(t.db.pool);
    const id = await newAlert('c-f1');
    expect(await store.caseOf(id)).toMatchObject({ alertKey: 'WASH_TRADE:c-f1', state: 'open', history: [], notes: [] });
    expect(await store.change(id, (c) => transition(c, 'investigating', 'officer-a', 'two portfolios of one owner', 1_000))).toMatchObject({ ok: true });
    expect(await store.change(id, (c) => addNote(c, 'officer-a', 'both legs at the same price', 2_000))).toMatchObject({ ok: true });
    expect(await store.change(id, (c) => assign(c, 'officer-b', 'head', 'senior review', 3_000))).toMatchObject({ ok: true });
    expect(await store.change(id, (c) => transition(c, 'escalated', 'officer-b', 'pattern repeats', 4_000))).toMatchObject({ ok: true });
    expect(await store.change(id, (c) => transition(c, 'reported', 'officer-b', 'SAR filed', 5_000))).toMatchObject({ ok: true });
    const c = await store.caseOf(id);
    expect(c).toMatchObject({ state: 'reported', assignee: 'officer-b', updatedMs: 5_000, notes: [{ atMs: 2_000, author: 'officer-a', text: 'both legs at the same price' }] });
    expect(c?.history.map((h) => [h.from, h.to, h.actor])).toEqual([
      ['open', 'investigating', 'officer-a'], ['investigating', 'investigating', 'head'], ['investigating', 'escalated', 'officer-b'], ['escalated', 'reported', 'officer-b'],
    ]);
    expect((await t.db.pool.query(`SELECT state, assignee FROM aml_alerts WHERE id = $1`, [id])).rows).toEqual([{ state: 'reported', assignee: 'officer-b' }]);
  });

  it('writes nothing for a refused change, and answers it with the engine\'s code', async () => {
    const store = pgAmlCaseStore(t.db.pool);
    const id = await newAlert('c-f2');
    expect(await store.change(id, (c) => transition(c, 'reported', 'officer-a', 'skip it', 1_000))).toMatchObject({ ok: false, code: 'CASE_TRANSITION_NOT_ALLOWED' });
    expect(await store.caseOf(id)).toMatchObject({ state: 'open', history: [] });
  });

  it('applies two officers\' changes at once one after the other: the second finds the case taken', async () => {
    const store = pgAmlCaseStore(t.db.pool);
    const id = await newAlert('c-f3');
    const results = await Promise.all(['officer-a', 'officer-b'].map((who) => store.change(id, (c) => transition(c, 'investigating', who, 'mine', 1_000))));
    expect(results.map((r) => (r?.ok ? 'ok' : r?.code)).sort()).toEqual(['CASE_TRANSITION_NOT_ALLOWED', 'ok']);
    expect((await store.caseOf(id))?.history).toHaveLength(1);
  });

  it('knows no alert by an id that is not one, hostile or missing', async () => {
    const store = pgAmlCaseStore(t.db.pool);
    for (const id of ['0', '-1', '1 OR 1=1', '99999999999999999999', '', '424242']) {
      expect(await store.caseOf(id)).toBeUndefined();
      expect(await store.change(id, (c) => transition(c, 'investigating', 'a', 'b', 1))).toBeUndefined();
    }
  });
});
