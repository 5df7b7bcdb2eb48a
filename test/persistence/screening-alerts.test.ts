/**
 * Screening alerts stored in aml_alerts on this machine's PostgreSQL (a migrated schema of its own):
 * stored once per key, read back by the officers' queries with their rule, severity, customer and
 * figures, counted by the risk-metrics page's screening hits, and pushed to the live relay by the
 * statement's NOTIFY. The in-memory sink keeps one alert per key too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScreeningResult } from '../../src/engine/compliance/sanctions/index.js';
import { screeningAlerts, type ScreeningHitInput } from '../../src/engine/compliance/screening-alert.js';
import type { AmlAlertView } from '../../src/persistence/aml-alert-queries.js';
import { openAmlAlerts, type AmlAlerts } from '../../src/persistence/aml-alert-relay.js';
import { memoryScreeningAlerts, pgScreeningAlerts } from '../../src/persistence/screening-alerts.js';
import { openTestDb, type TestDb, waitFor } from './queue-harness.js';

const SDN = '1'.repeat(64);
const SDN_NEXT = '2'.repeat(64);

const blocked = (listVersion = SDN): ScreeningResult => ({
  listVersion, decision: 'block',
  matches: [{
    entNum: 36_001, name: 'PETROV, Ivan', matchedName: 'PETROV, Ivan', score: 0.97, decision: 'block', programs: ['RUSSIA-EO14024'], type: 'individual',
    explanation: { nameKind: 'primary', normalizedQuery: 'ivan petrov', normalizedListed: 'ivan petrov', tokens: [], unmatchedQueryTokens: [], unmatchedListedTokens: [], queryCoverage: 1, listedCoverage: 1, oneTokenOnly: false, nameScore: 0.97, evidence: [] },
  }],
});

const hit = (customerId: string, over: Partial<ScreeningHitInput> = {}): ScreeningHitInput => ({
  trigger: 'kyc', customerId, sanctions: blocked(), pep: { listVersion: '3'.repeat(64), pep: true, matches: [] }, ...over,
});

describe('screening alerts on PostgreSQL', () => {
  let t: TestDb;
  let aml: AmlAlerts;
  beforeAll(async () => {
    t = await openTestDb('server');
    aml = await openAmlAlerts(t.db);
  }, 60_000);
  afterAll(async () => {
    await aml?.relay.close();
    await t?.close();
  });

  it('stores each alert once per key: the same hit raised again, by a re-screening under the same list, adds nothing', async () => {
    const sink = pgScreeningAlerts(t.db.pool);
    expect(await sink.raise(screeningAlerts(hit('cust-once')))).toBe(2);
    expect(await sink.raise(screeningAlerts(hit('cust-once', { trigger: 'rescreen' })))).toBe(0);
    expect(await sink.raise([])).toBe(0);
    const listed = await aml.alerts.list({ customerId: 'cust-once', limit: 10 });
    expect(listed.alerts.map((a) => a.rule).sort()).toEqual(['PEP_SCREENING', 'SANCTIONS_SCREENING']);
    // A new list version that still finds the customer is a new alert for the officer.
    expect(await sink.raise(screeningAlerts(hit('cust-once', { sanctions: blocked(SDN_NEXT), pep: null })))).toBe(1);
  });

  it('is read by the officers\' queries with its rule, severity, customer and the figures of the hit', async () => {
    const sink = pgScreeningAlerts(t.db.pool);
    await sink.raise(screeningAlerts(hit('cust-read', { pep: null })));
    const { alerts } = await aml.alerts.list({ customerId: 'cust-read', limit: 10 });
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ rule: 'SANCTIONS_SCREENING', severity: 'high', state: 'open', customerId: 'cust-read', portfolioId: '', notional: 0 });
    expect(a.evidence).toEqual({ fillIds: [], orderIds: [], figures: { trigger: 'kyc', decision: 'block', listVersion: SDN, matches: 1, topScore: 0.97, topEntNum: 36_001, topName: 'PETROV, Ivan' } });
    expect(await aml.alerts.get(a.alertId)).toEqual(a);
  });

  it('keeps a counterparty hit\'s portfolio and order', async () => {
    const sink = pgScreeningAlerts(t.db.pool);
    await sink.raise(screeningAlerts({ trigger: 'counterparty', customerId: 'cust-cp', portfolioId: 'P-CP', counterparty: { name: 'Ivan Petrov', orderRef: 'ord-9' }, sanctions: blocked(), pep: null }));
    const { alerts } = await aml.alerts.list({ customerId: 'cust-cp', limit: 10 });
    expect(alerts).toMatchObject([{ rule: 'SANCTIONS_SCREENING', portfolioId: 'P-CP', evidence: { orderIds: ['ord-9'] } }]);
  });

  it('counts in the risk metrics\' screening hits, by rule', async () => {
    const before = (await aml.alerts.metrics(Date.now())).screeningHits;
    await pgScreeningAlerts(t.db.pool).raise(screeningAlerts(hit('cust-metrics')));
    const after = await aml.alerts.metrics(Date.now());
    expect(after.screeningHits).toEqual({
      total: before.total + 2, open: before.open + 2, last7d: before.last7d + 2,
      byRule: { SANCTIONS_SCREENING: before.byRule.SANCTIONS_SCREENING + 1, PEP_SCREENING: before.byRule.PEP_SCREENING + 1 },
    });
    expect(after.byRule.SANCTIONS_SCREENING?.open).toBeGreaterThanOrEqual(1);
  });

  it('reaches the live relay within a second, once', async () => {
    const heard: AmlAlertView[] = [];
    const off = aml.relay.onAlert((a) => heard.push(a));
    try {
      const sink = pgScreeningAlerts(t.db.pool);
      const started = Date.now();
      await sink.raise(screeningAlerts(hit('cust-live')));
      await waitFor('the relay to hand on both alerts', () => heard.filter((a) => a.customerId === 'cust-live').length === 2, 1_000);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(heard.filter((a) => a.customerId === 'cust-live').map((a) => [a.rule, a.severity]).sort()).toEqual([['PEP_SCREENING', 'medium'], ['SANCTIONS_SCREENING', 'high']]);
      // Raised again: nothing stored, nothing noticed.
      expect(await sink.raise(screeningAlerts(hit('cust-live', { trigger: 'rescreen' })))).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard.filter((a) => a.customerId === 'cust-live')).toHaveLength(2);
    } finally {
      off();
    }
  });
});

describe('screening alerts in memory', () => {
  it('keeps one alert per key and rule, and counts only the new ones', async () => {
    const sink = memoryScreeningAlerts();
    expect(await sink.raise(screeningAlerts(hit('cust-mem')))).toBe(2);
    expect(await sink.raise(screeningAlerts(hit('cust-mem', { trigger: 'rescreen' })))).toBe(0);
    expect(await sink.raise(screeningAlerts(hit('cust-mem', { sanctions: blocked(SDN_NEXT), pep: null })))).toBe(1);
    expect(sink.alerts.map((a) => a.rule)).toEqual(['SANCTIONS_SCREENING', 'PEP_SCREENING', 'SANCTIONS_SCREENING']);
  });
});
