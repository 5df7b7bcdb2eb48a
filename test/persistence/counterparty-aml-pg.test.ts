/**
 * A counterparty's country from the order to the AML rules, on PostgreSQL (server and embedded):
 * real actor transitions recorded by the journal as the engine records them, projected into the
 * tables (migration 0017's columns), then the aml processor over the stored fills and the activity
 * read back from those tables. A fill with a counterparty in a sanctioned country raises
 * HIGH_RISK_COUNTRY; the same trade without a counterparty does not; the restart history gives
 * the order and fill back with their counterparty.
 */
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioState, handlePortfolioMessage } from '../../src/engine/actors/portfolio-actor.js';
import type { ActorContext, Counterparty, PortfolioState } from '../../src/engine/actors/types.js';
import { inTimeOrder } from '../../src/engine/compliance/aml/activity.js';
import { AML_RULE_DEFAULTS } from '../../src/engine/compliance/aml/rule-defaults.js';
import { pgAmlActivity } from '../../src/persistence/aml-activity.js';
import { pgAmlAlertStore } from '../../src/persistence/aml-alert-store.js';
import type { PgJournal } from '../../src/persistence/journal.js';
import { openOwningJournal } from './journal-fixture.js';
import type { AmlFillJob } from '../../src/persistence/queue-payloads.js';
import { loadRecentHistory } from '../../src/persistence/recovery.js';
import { pgStoredFills } from '../../src/persistence/stored-fills.js';
import { amlProcessor } from '../../src/workers/queue-jobs/aml-processor.js';
import { openTestDb, type TestDb } from './queue-harness.js';

const NOW_MS = Date.UTC(2026, 2, 10, 14);
const ctx: ActorContext = { nowMs: NOW_MS, market: { rate: 0.04, asOf: '2026-03-10', spot: (u) => (u === 'AAA' ? 100 : undefined) } };

let t: TestDb;
let journal: PgJournal;
let state: PortfolioState;
let n = 0;

/** A market buy of 10 AAA through the actor, recorded by the journal; the fill as an aml job names it. */
async function buy(counterparty?: Counterparty): Promise<AmlFillJob> {
  const before = state;
  const tr = handlePortfolioMessage(before, { kind: 'SubmitOrder', submittedBy: 'tom', request: { clientOrderId: `c${++n}`, instrument: 'AAA', side: 'buy', qty: 10, orderType: 'market', ...(counterparty ? { counterparty } : {}) } }, ctx);
  state = tr.state;
  await journal.record({ kind: 'changed', events: tr.events, before, after: state, by: 'tom' });
  const filled = tr.events.find((e) => e.type === 'OrderFilled');
  if (filled?.type !== 'OrderFilled') throw new Error(`not filled: ${JSON.stringify(tr.events)}`);
  const f = filled.fill;
  return { fillId: f.fillId, orderId: f.orderId, portfolioId: f.portfolioId, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, ts: f.ts };
}

const job = (fills: readonly AmlFillJob[]) => ({ id: String(++n), queueName: 't.aml', data: { fills } }) as Job<unknown, unknown, string>;
const rulesOf = async (fillId: string): Promise<{ rule: string; severity: string; details: { evidence: { figures: Record<string, unknown> } } }[]> =>
  (await t.db.pool.query('SELECT rule, severity, details FROM aml_alerts WHERE fill_id = $1 ORDER BY id', [fillId])).rows;

describe.each(['server', 'embedded'] as const)('a counterparty country from the order to the AML rules on PostgreSQL (%s)', (kind) => {
  beforeAll(async () => {
    t = await openTestDb(kind);
    journal = await openOwningJournal(t.db.pool, { namedStatements: kind === 'server' });
    state = createPortfolioState({ portfolioId: `otc-${kind}`, cash: 1_000_000 });
    await journal.record({ kind: 'created', state, by: 'admin' });
  }, 60_000);
  afterAll(async () => {
    journal?.stopProjection();
    await t?.close();
  });

  const run = () => amlProcessor(pgAmlAlertStore(t.db.pool), pgStoredFills(t.db.pool), pgAmlActivity(t.db.pool), AML_RULE_DEFAULTS, { nowMs: () => NOW_MS });

  it('raises HIGH_RISK_COUNTRY (high) for a fill whose counterparty is in a sanctioned country, and nothing for the same trade without one', async () => {
    const plain = await buy();
    const iranian = await buy({ name: 'Tehran Commodities Trading Co', country: 'IR' });
    await journal.project();
    await run()(job([plain, iranian]));
    expect(await rulesOf(plain.fillId)).toEqual([]);
    const alerts = await rulesOf(iranian.fillId);
    expect(alerts.map((a) => [a.rule, a.severity])).toEqual([['HIGH_RISK_COUNTRY', 'high']]);
    expect(alerts[0]?.details.evidence.figures).toMatchObject({ counterpartyCountry: 'IR', counterpartyList: 'sanctioned' });
  });

  it('reads the counterparty country into the fills the rules see, from the fills table (the stored fill and its owner\'s activity)', async () => {
    const burmese = await buy({ name: 'Yangon Gems Ltd', country: 'MM' });
    await journal.project();
    // As the processor does: the job's fill as stored, then the owner's activity around it.
    const stored = [...(await pgStoredFills(t.db.pool).byIds([burmese.fillId])).values()];
    expect(stored.map((f) => f.counterpartyCountry)).toEqual(['MM']);
    const [activity] = await pgAmlActivity(t.db.pool).activityOf(stored, AML_RULE_DEFAULTS);
    const countries = inTimeOrder(activity?.fills ?? []).map((f) => f.counterpartyCountry ?? null);
    expect(countries).toEqual([null, 'IR', 'MM']);
  });

  it('gives the order and its fill back with their counterparty after a restart (the history a start loads)', async () => {
    const cp = { name: 'Nordsee Handels GmbH' };
    const f = await buy(cp);
    await journal.project();
    const history = await loadRecentHistory(t.db.pool, 100);
    expect(history.orders.find((o) => o.orderId === f.orderId)?.counterparty).toEqual(cp);
    expect(history.fills.find((x) => x.fillId === f.fillId)?.counterparty).toEqual(cp);
    expect(history.fills.find((x) => x.counterparty === undefined)).toBeDefined();
  });
});
