/**
 * What a screening hit does, on the real engine (in-process risk calculator) with the in-memory alert
 * sink: a sanctions block halts every portfolio of the customer (reason SANCTIONS) and raises a high
 * alert, a review or a PEP hit only alerts, a counterparty block halts the owner's portfolios (or the
 * unowned portfolio itself), and an alert store that fails never keeps the halt from happening.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PepScreeningResult } from '../src/engine/compliance/pep/index.js';
import type { ScreeningResult } from '../src/engine/compliance/sanctions/index.js';
import type { LogLevel } from '../src/engine/log.js';
import { InProcessRiskCalculator } from '../src/engine/risk/in-process-calculator.js';
import { syntheticScenarioSet } from '../src/engine/risk/realtime-scenarios.js';
import { Engine } from '../src/engine/runtime/engine.js';
import type { KycPersonScreening } from '../src/persistence/kyc-screening.js';
import { memoryScreeningAlerts, type ScreeningAlertSink } from '../src/persistence/screening-alerts.js';
import { screeningHits } from '../src/screening-hits.js';
import { waitFor } from './persistence/queue-harness.js';

const START_MS = Date.UTC(2026, 0, 15, 15);
const SDN = 'f'.repeat(64);
const PEP = 'e'.repeat(64);

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

function start(): Engine {
  const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  const engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => START_MS }, rate: 0.04, tickGuard: { maxSkewMs: Infinity } });
  engines.push(engine);
  return engine;
}

async function create(engine: Engine, portfolioId: string, ownerId?: string): Promise<void> {
  const r = await engine.createPortfolio({ portfolioId, cash: 1_000_000, ...(ownerId !== undefined ? { ownerId } : {}) }, 'admin');
  expect(r.ok).toBe(true);
}

type Logged = { level: LogLevel; msg: string; fields?: Record<string, unknown> };
const logInto = (out: Logged[]) => (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void out.push({ level, msg, ...(fields ? { fields } : {}) });

const sanctions = (decision: ScreeningResult['decision']): ScreeningResult => ({
  listVersion: SDN, decision,
  matches: decision === 'clear' ? [] : [{
    entNum: 36_001, name: 'PETROV, Ivan', matchedName: 'PETROV, Ivan', score: decision === 'block' ? 0.97 : 0.88, decision, programs: ['RUSSIA-EO14024'], type: 'individual',
    explanation: { nameKind: 'primary', normalizedQuery: 'ivan petrov', normalizedListed: 'ivan petrov', tokens: [], unmatchedQueryTokens: [], unmatchedListedTokens: [], queryCoverage: 1, listedCoverage: 1, oneTokenOnly: false, nameScore: 0.97, evidence: [] },
  }],
});
const pepOf = (hit: boolean): PepScreeningResult => ({ listVersion: PEP, pep: hit, matches: [] });

/** As the KYC adapter (persistence/kyc-screening.ts) answers: the summary and both lists' details. */
const kycResult = (decision: ScreeningResult['decision'], pep = false): KycPersonScreening => ({
  decision, pep, listVersion: SDN, pepListVersion: PEP, sanctions: sanctions(decision), pepScreening: pepOf(pep),
});

const view = (engine: Engine, id: string) => {
  const p = engine.getPortfolio(id);
  return [p?.tradingState, p?.tradingStateReason];
};

describe('screening hits', () => {
  it('halts every portfolio of a customer the KYC screening blocked, with reason SANCTIONS, and raises a high alert', async () => {
    const engine = start();
    await create(engine, 'B1', 'blocked-user');
    await create(engine, 'B2', 'blocked-user');
    await create(engine, 'OTHER', 'someone-else');
    const alerts = memoryScreeningAlerts();
    const hits = screeningHits({ engine, alerts, log: () => {} });
    await hits.onKycHit('blocked-user', kycResult('block'), 'kyc');
    expect(view(engine, 'B1')).toEqual(['halted', 'SANCTIONS']);
    expect(view(engine, 'B2')).toEqual(['halted', 'SANCTIONS']);
    expect(view(engine, 'OTHER')[0]).toBe('active');
    expect(alerts.alerts).toMatchObject([{ rule: 'SANCTIONS_SCREENING', severity: 'high', customerId: 'blocked-user', details: { trigger: 'kyc', evidence: { figures: { decision: 'block', topEntNum: 36_001 } } } }]);
  });

  it('raises a medium alert for a review and halts nothing', async () => {
    const engine = start();
    await create(engine, 'R1', 'review-user');
    const alerts = memoryScreeningAlerts();
    await screeningHits({ engine, alerts, log: () => {} }).onKycHit('review-user', kycResult('review'), 'rescreen');
    expect(view(engine, 'R1')).toEqual(['active', undefined]);
    expect(alerts.alerts).toMatchObject([{ rule: 'SANCTIONS_SCREENING', severity: 'medium', customerId: 'review-user', details: { trigger: 'rescreen' } }]);
  });

  it('raises only a PEP alert for a politically exposed customer the sanctions list cleared', async () => {
    const engine = start();
    await create(engine, 'PEP1', 'pep-user');
    const alerts = memoryScreeningAlerts();
    await screeningHits({ engine, alerts, log: () => {} }).onKycHit('pep-user', kycResult('clear', true));
    expect(view(engine, 'PEP1')[0]).toBe('active');
    expect(alerts.alerts).toMatchObject([{ rule: 'PEP_SCREENING', severity: 'medium', customerId: 'pep-user', details: { trigger: 'kyc', evidence: { figures: { pep: true, listVersion: PEP } } } }]);
  });

  it('alerts with the decision and list version when the screening port gave only its summary', async () => {
    const engine = start();
    const alerts = memoryScreeningAlerts();
    await screeningHits({ engine, alerts, log: () => {} }).onKycHit('summary-user', { decision: 'review', pep: false, listVersion: SDN });
    expect(alerts.alerts).toMatchObject([{ rule: 'SANCTIONS_SCREENING', severity: 'medium', details: { evidence: { figures: { decision: 'review', listVersion: SDN, matches: 0 } } } }]);
  });

  it('halts the owner\'s portfolios when an order of one of them names a blocked counterparty', async () => {
    const engine = start();
    await create(engine, 'C1', 'cp-owner');
    await create(engine, 'C2', 'cp-owner');
    const alerts = memoryScreeningAlerts();
    screeningHits({ engine, alerts, log: () => {} }).onCounterpartyHit({ portfolioId: 'C1', userId: 'trader-1', name: 'Ivan Petrov', result: sanctions('block') });
    await waitFor('the counterparty hit to be handled', () => alerts.alerts.length === 1 && view(engine, 'C2')[0] === 'halted', 2_000);
    expect(view(engine, 'C1')).toEqual(['halted', 'SANCTIONS']);
    expect(view(engine, 'C2')).toEqual(['halted', 'SANCTIONS']);
    expect(alerts.alerts).toMatchObject([{ rule: 'SANCTIONS_SCREENING', severity: 'high', customerId: 'cp-owner', portfolioId: 'C1', details: { trigger: 'counterparty', counterparty: { name: 'Ivan Petrov' } } }]);
  });

  it('halts an unowned portfolio itself when it names a blocked counterparty, leaving the others trading', async () => {
    const engine = start();
    await create(engine, 'HOUSE');
    await create(engine, 'HOUSE2');
    const alerts = memoryScreeningAlerts();
    screeningHits({ engine, alerts, log: () => {} }).onCounterpartyHit({ portfolioId: 'HOUSE', userId: 'trader-1', name: 'Ivan Petrov', result: sanctions('block') });
    await waitFor('the house portfolio to be halted', () => alerts.alerts.length === 1 && view(engine, 'HOUSE')[0] === 'halted', 2_000);
    expect(view(engine, 'HOUSE')).toEqual(['halted', 'SANCTIONS']);
    expect(view(engine, 'HOUSE2')[0]).toBe('active');
    expect(alerts.alerts).toMatchObject([{ customerId: 'portfolio:HOUSE', portfolioId: 'HOUSE' }]);
  });

  it('alerts on a counterparty under review without halting', async () => {
    const engine = start();
    await create(engine, 'CR', 'cr-owner');
    const alerts = memoryScreeningAlerts();
    screeningHits({ engine, alerts, log: () => {} }).onCounterpartyHit({ portfolioId: 'CR', userId: 'trader-1', name: 'Ivan Petrov', result: sanctions('review') });
    await waitFor('the review alert', () => alerts.alerts.length === 1, 2_000);
    expect(alerts.alerts[0]).toMatchObject({ severity: 'medium', customerId: 'cr-owner' });
    expect(view(engine, 'CR')[0]).toBe('active');
  });

  it('halts the customer even when the alert store fails, and logs the failure with the customer', async () => {
    const engine = start();
    await create(engine, 'F1', 'fail-user');
    await create(engine, 'F2');
    /** Stands for the alerts' database being away: every store is refused. */
    const unreachableAlertDatabase: ScreeningAlertSink = { raise: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) };
    const logged: Logged[] = [];
    const hits = screeningHits({ engine, alerts: unreachableAlertDatabase, log: logInto(logged) });
    await expect(hits.onKycHit('fail-user', kycResult('block'))).resolves.toBeUndefined();
    expect(view(engine, 'F1')).toEqual(['halted', 'SANCTIONS']);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ customerId: 'fail-user', rules: ['SANCTIONS_SCREENING'], error: 'connect ECONNREFUSED 127.0.0.1:5432' }) }));

    hits.onCounterpartyHit({ portfolioId: 'F2', userId: 'trader-1', name: 'Ivan Petrov', result: sanctions('block') });
    await waitFor('the unowned portfolio to be halted and the failure logged', () => view(engine, 'F2')[0] === 'halted' && logged.filter((l) => l.level === 'error').length === 2, 2_000);
    expect(view(engine, 'F2')).toEqual(['halted', 'SANCTIONS']);
  });
});
