/**
 * AML alerts as compliance officers work them, over real HTTP and websockets against PostgreSQL
 * (a schema of its own on this machine's server, and the embedded PGlite for the live stream):
 * the list and its filters, a case worked through its states, refusals, the live `alerts` channel
 * fed by the alert store's NOTIFY, and the risk-metrics page on a known fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amlAlertRoutes, type KycMetrics } from '../../src/gateway/aml-alert-routes.js';
import type { SecurityEvent } from '../../src/gateway/identity/ports.js';
import { pgAmlAlertStore, type ScreenedFill } from '../../src/persistence/aml-alert-store.js';
import { openAmlAlerts, type AmlAlerts } from '../../src/persistence/aml-alert-relay.js';
import { openTestDb, type TestDb } from '../persistence/queue-harness.js';
import { Client, httpJson, type Stack, startStack } from './harness.js';

let n = 0;
/** A screened fill that raised `rule` for `customerId`, as the AML worker stores it. */
function raised(rule: string, severity: 'low' | 'medium' | 'high', customerId: string, extra: { fillIds?: string[]; orderIds?: string[] } = {}): ScreenedFill {
  const fillId = `f-${++n}`;
  return {
    fillId,
    alert: {
      fillId, portfolioId: `P-${customerId}`, customerId, rule, severity, notional: 1_000_000 + n,
      details: { orderId: `o-${n}`, key: `${rule}:${fillId}`, customerId, evidence: { fillIds: extra.fillIds ?? [fillId], orderIds: extra.orderIds ?? [`o-${n}`], figures: { n } } },
    },
  };
}

interface Wired {
  readonly t: TestDb;
  readonly aml: AmlAlerts;
  readonly stack: Stack;
  readonly audit: SecurityEvent[];
  close(): Promise<void>;
}

async function wire(kind: 'server' | 'embedded', opts: { clock?: () => number; kycMetrics?: () => Promise<KycMetrics> } = {}): Promise<Wired> {
  const t = await openTestDb(kind);
  const aml = await openAmlAlerts(t.db);
  const audit: SecurityEvent[] = [];
  const stack = await startStack({
    routes: amlAlertRoutes({ store: aml, audit: async (e) => void audit.push(e), ...opts }),
    alerts: aml.relay,
  });
  return {
    t, aml, stack, audit,
    async close() {
      await stack.close();
      await aml.relay.close();
      await t.close();
    },
  };
}

describe('compliance officers work AML alerts over REST', () => {
  let w: Wired;
  let officer: string;
  beforeAll(async () => {
    w = await wire('server');
    officer = await w.stack.token('olga', ['compliance_officer'], ['*']);
    await pgAmlAlertStore(w.t.db.pool).screened([
      raised('WASH_TRADE', 'high', 'cust-a', { fillIds: ['f-x', 'f-y'], orderIds: ['o-x', 'o-y'] }),
      raised('VELOCITY', 'low', 'cust-a'),
      raised('LARGE_NOTIONAL', 'medium', 'cust-b'),
      raised('WASH_TRADE', 'high', 'cust-b'),
      { fillId: 'f-clean', alert: null },
    ], Date.now());
  }, 60_000);
  afterAll(() => w?.close());

  const get = (path: string, token = officer) => httpJson(w.stack, 'GET', path, { token });
  const post = (path: string, body: unknown, token = officer) => httpJson(w.stack, 'POST', path, { token, body });

  it('lists alerts newest first, filters by rule, severity, customer and state, and pages with the cursor', async () => {
    const all = await get('/compliance/alerts');
    expect(all.status).toBe(200);
    expect(all.body.alerts.map((a: any) => [a.rule, a.customerId])).toEqual([['WASH_TRADE', 'cust-b'], ['LARGE_NOTIONAL', 'cust-b'], ['VELOCITY', 'cust-a'], ['WASH_TRADE', 'cust-a']]);
    expect(all.body.next).toBeNull();
    expect((await get('/compliance/alerts?rule=WASH_TRADE&customer=cust-a')).body.alerts).toMatchObject([{ severity: 'high', state: 'open', evidence: { fillIds: ['f-x', 'f-y'], orderIds: ['o-x', 'o-y'] } }]);
    expect((await get('/compliance/alerts?severity=low')).body.alerts.map((a: any) => a.rule)).toEqual(['VELOCITY']);
    expect((await get('/compliance/alerts?state=reported')).body.alerts).toEqual([]);
    const first = await get('/compliance/alerts?limit=3');
    expect(first.body.alerts).toHaveLength(3);
    const rest = await get(`/compliance/alerts?limit=3&after=${first.body.next}`);
    expect(rest.body).toMatchObject({ alerts: [{ rule: 'WASH_TRADE', customerId: 'cust-a' }], next: null });
  });

  it('refuses a bad filter with the parameter it is about', async () => {
    for (const [q, param] of [['state=closed', 'state'], ['limit=0', 'limit'], ['after=abc', 'after'], ['rule=drop%20table', 'rule'], ['colour=red', 'colour']] as const) {
      const r = await get(`/compliance/alerts?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code).toBe('BAD_QUERY');
      expect(r.body.message).toContain(param);
    }
  });

  it('works a case from open to reported with notes and an assignee, audited with the officer as actor', async () => {
    const id = (await get('/compliance/alerts?rule=LARGE_NOTIONAL')).body.alerts[0].alertId as string;
    expect((await post(`/compliance/alerts/${id}/transition`, { to: 'investigating', reason: 'size against the customer profile' })).body.case).toMatchObject({ state: 'investigating', assignee: 'olga' });
    expect((await post(`/compliance/alerts/${id}/notes`, { text: 'asked the desk for the client instruction' })).status).toBe(200);
    expect((await post(`/compliance/alerts/${id}/assign`, { assignee: 'senior-sam', reason: 'needs a senior officer' })).body.case.assignee).toBe('senior-sam');
    expect((await post(`/compliance/alerts/${id}/transition`, { to: 'escalated', reason: 'instruction not on file' })).status).toBe(200);
    expect((await post(`/compliance/alerts/${id}/transition`, { to: 'reported', reason: 'SAR filed' })).body.case.state).toBe('reported');
    const one = await get(`/compliance/alerts/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.alert).toMatchObject({ alertId: id, rule: 'LARGE_NOTIONAL', state: 'reported', assignee: 'senior-sam', customerId: 'cust-b' });
    expect(one.body.case.history.map((h: any) => [h.from, h.to, h.actor])).toEqual([
      ['open', 'investigating', 'olga'], ['investigating', 'investigating', 'olga'], ['investigating', 'escalated', 'olga'], ['escalated', 'reported', 'olga'],
    ]);
    expect(one.body.case.notes).toMatchObject([{ author: 'olga', text: 'asked the desk for the client instruction' }]);
    const mine = w.audit.filter((e) => e.entityId === id);
    expect(mine.map((e) => [e.actor, e.action, e.entityType])).toEqual([
      ['olga', 'aml.case.transition', 'aml_alert'], ['olga', 'aml.case.note', 'aml_alert'], ['olga', 'aml.case.assign', 'aml_alert'],
      ['olga', 'aml.case.transition', 'aml_alert'], ['olga', 'aml.case.transition', 'aml_alert'],
    ]);
    // The note's text stays out of the audit trail (it may hold personal data).
    expect(JSON.stringify(mine)).not.toContain('client instruction');
    // A closed case: no more changes, still notes.
    const closed = await post(`/compliance/alerts/${id}/transition`, { to: 'escalated', reason: 'again' });
    expect([closed.status, closed.body.code]).toEqual([409, 'CASE_CLOSED']);
    expect((await post(`/compliance/alerts/${id}/notes`, { text: 'regulator acknowledged' })).status).toBe(200);
  });

  it('refuses a transition the case state does not allow with 409 CASE_TRANSITION_NOT_ALLOWED, and writes nothing', async () => {
    const id = (await get('/compliance/alerts?rule=VELOCITY')).body.alerts[0].alertId as string;
    const r = await post(`/compliance/alerts/${id}/transition`, { to: 'reported', reason: 'skip the investigation' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'CASE_TRANSITION_NOT_ALLOWED', message: expect.stringContaining('investigating') });
    expect((await get(`/compliance/alerts/${id}`)).body.case).toMatchObject({ state: 'open', history: [] });
  });

  it('refuses bodies that are empty, too long, or carry unknown fields, and unknown alerts', async () => {
    const id = (await get('/compliance/alerts?rule=VELOCITY')).body.alerts[0].alertId as string;
    expect((await post(`/compliance/alerts/${id}/notes`, { text: '   ' })).status).toBe(400);
    expect((await post(`/compliance/alerts/${id}/notes`, { text: 'x'.repeat(4001) })).status).toBe(400);
    expect((await post(`/compliance/alerts/${id}/transition`, { to: 'investigating', reason: 'r', extra: 1 })).status).toBe(400);
    expect((await post(`/compliance/alerts/${id}/transition`, { to: 'closed', reason: 'r' })).status).toBe(400);
    expect((await post(`/compliance/alerts/${id}/assign`, { assignee: 'a b; drop' })).status).toBe(400);
    expect((await post('/compliance/alerts/999999/notes', { text: 'hello' })).status).toBe(404);
    expect((await get('/compliance/alerts/1%20OR%201=1')).status).toBe(404);
  });

  it('refuses a trader and a risk manager every alert route with 403 FORBIDDEN', async () => {
    for (const role of ['trader', 'risk_manager'] as const) {
      const token = await w.stack.token(`${role}-1`, [role], ['*']);
      for (const r of [await get('/compliance/alerts', token), await get('/compliance/risk-metrics', token), await post('/compliance/alerts/1/notes', { text: 'x' }, token)]) {
        expect([r.status, r.body.code]).toEqual([403, 'FORBIDDEN']);
      }
    }
  });
});

describe.each(['server', 'embedded'] as const)('the websocket channel alerts (%s)', (kind) => {
  let w: Wired;
  beforeAll(async () => {
    w = await wire(kind);
  }, 60_000);
  afterAll(() => w?.close());

  it('pushes an alert stored by the AML alert store to a subscribed compliance officer within a second', async () => {
    const c = await Client.login(w.stack.url, await w.stack.token('olga', ['compliance_officer'], ['*']));
    try {
      expect(await c.request({ type: 'subscribe', channel: 'alerts' })).toMatchObject({ type: 'subscribed', channel: 'alerts' });
      const started = Date.now();
      const frame = c.next((m) => m.type === 'alert', 1000);
      await pgAmlAlertStore(w.t.db.pool).screened([raised('STRUCTURING', 'medium', 'cust-live')], Date.now());
      const a = await frame;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(a).toMatchObject({ type: 'alert', rule: 'STRUCTURING', severity: 'medium', state: 'open', customerId: 'cust-live', evidence: { figures: { n } } });
      expect(a.alertId).toMatch(/^[1-9]\d*$/);
      // The same fill screened again (a replayed job) stores nothing, so announces nothing.
      const before = c.received.filter((m) => m.type === 'alert').length;
      await pgAmlAlertStore(w.t.db.pool).screened([{ fillId: a.fillId, alert: { fillId: a.fillId, portfolioId: a.portfolioId, customerId: 'cust-live', rule: 'STRUCTURING', severity: 'medium', notional: 1, details: {} } }], Date.now());
      const next = c.next((m) => m.type === 'alert', 1000);
      await pgAmlAlertStore(w.t.db.pool).screened([raised('VELOCITY', 'low', 'cust-live')], Date.now());
      expect((await next).rule).toBe('VELOCITY');
      expect(c.received.filter((m) => m.type === 'alert').length).toBe(before + 1);
    } finally {
      await c.close();
    }
  });

  it('refuses the channel to a trader with FORBIDDEN, and a portfolioId on it as INVALID_MESSAGE', async () => {
    const trader = await Client.login(w.stack.url, await w.stack.token('tom', ['trader'], ['*']));
    const officer = await Client.login(w.stack.url, await w.stack.token('olga', ['compliance_officer'], ['*']));
    try {
      expect(await trader.request({ type: 'subscribe', channel: 'alerts' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      expect(await officer.request({ type: 'subscribe', channel: 'alerts', portfolioId: 'P1' })).toMatchObject({ type: 'error', code: 'INVALID_MESSAGE' });
    } finally {
      await trader.close();
      await officer.close();
    }
  });
});

describe('GET /compliance/risk-metrics', () => {
  const NOW = Date.UTC(2026, 2, 1, 12);
  const DAY = 86_400_000;
  let w: Wired;
  const kyc: KycMetrics = {
    byState: { submitted: 3, in_review: 2, approved: 40, rejected: 1, needs_info: 4 },
    byRiskLevel: { low: 30, medium: 8, high: 2, unscored: 10 },
  };
  beforeAll(async () => {
    w = await wire('server', { clock: () => NOW, kycMetrics: async () => kyc });
    // The fixture: [rule, severity, state, age in days].
    const fixture: [string, string, string, number][] = [
      ['WASH_TRADE', 'high', 'open', 0.5], ['WASH_TRADE', 'high', 'investigating', 3], ['WASH_TRADE', 'high', 'reported', 2],
      ['VELOCITY', 'low', 'open', 10], ['VELOCITY', 'low', 'closed_no_action', 0.1],
      ['LARGE_NOTIONAL', 'medium', 'escalated', 8], ['LARGE_NOTIONAL', 'medium', 'open', 0.2],
      ['SANCTIONS_SCREENING', 'high', 'open', 1.5], ['SANCTIONS_SCREENING', 'high', 'closed_no_action', 9], ['PEP_SCREENING', 'medium', 'open', 0.3],
    ];
    for (const [i, [rule, severity, state, days]] of fixture.entries()) {
      await w.t.db.pool.query(
        `INSERT INTO aml_alerts (fill_id, portfolio_id, rule, severity, notional, state, created_at) VALUES ($1, 'P', $2, $3, 1, $4, to_timestamp($5::float8 / 1000))`,
        [`m-${i}`, rule, severity, state, NOW - days * DAY],
      );
    }
  }, 60_000);
  afterAll(() => w?.close());

  it('counts open alerts by severity and age, alerts by rule, screening hits and the KYC lines of a known fixture', async () => {
    const r = await httpJson(w.stack, 'GET', '/compliance/risk-metrics', { token: await w.stack.token('olga', ['compliance_officer'], ['*']) });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      asOfMs: NOW,
      openBySeverity: { low: 1, medium: 3, high: 3 },
      openByAge: { under1d: 3, from1dTo7d: 2, over7d: 2 },
      byRule: {
        LARGE_NOTIONAL: { total: 2, open: 2 }, PEP_SCREENING: { total: 1, open: 1 }, SANCTIONS_SCREENING: { total: 2, open: 1 },
        VELOCITY: { total: 2, open: 1 }, WASH_TRADE: { total: 3, open: 2 },
      },
      screeningHits: { total: 3, open: 2, last7d: 2, byRule: { SANCTIONS_SCREENING: 2, PEP_SCREENING: 1 } },
      customersByRiskLevel: kyc.byRiskLevel,
      kycBacklog: { ...kyc.byState, waiting: 5 },
    });
  });
});

describe('without a database', () => {
  it('answers the alert routes 503 AML_UNAVAILABLE', async () => {
    const stack = await startStack({ routes: amlAlertRoutes({ audit: async () => {} }) });
    try {
      const r = await httpJson(stack, 'GET', '/compliance/alerts', { token: await stack.token('olga', ['compliance_officer'], ['*']) });
      expect([r.status, r.body.code]).toEqual([503, 'AML_UNAVAILABLE']);
    } finally {
      await stack.close();
    }
  });
});
