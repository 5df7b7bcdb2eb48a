/**
 * Issue 15's "done when" end to end in the built `risk-engine serve` with KYC required, sanctions
 * screening and AML on, over this machine's PostgreSQL (a schema of its own) and Redis (queues under
 * a prefix of their own): a customer who is not approved cannot trade; one whose KYC names a listed
 * SDN individual is halted (SANCTIONS) at once and a high-severity alert reaches the officers live
 * and over REST; another customer is approved only by a second officer (maker-checker) and then
 * trades; and an order naming a sanctioned counterparty is refused and halts its customer too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Msg } from '../gateway/harness.js';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { deleteRedisKeys, randomName, REDIS_URL } from './queue-harness.js';
import { killServes, rest, type ServeProcess, serveToken, startServe, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
let t: DbTarget;
let prefix: string;
let engine: ServeProcess;

beforeAll(async () => {
  t = newTarget('external');
  prefix = randomName('compliance');
  engine = await startServe({
    SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL, QUEUE_PREFIX: prefix,
    KYC_REQUIRED: 'true', SANCTIONS_SCREENING_ENABLED: undefined, AML_MONITORING_ENABLED: 'true',
  });
}, 60_000);

afterAll(async () => {
  killServes();
  await deleteRedisKeys(prefix);
  await t?.cleanup();
});

/** Polls `read` until `done` holds of its answer (at most `ms`); resolves with the last answer. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A KYC submission as docs/KYC.md describes it. */
function submission(givenNames: string, surname: string, dateOfBirth: string, country: string): Msg {
  return {
    legalName: { givenNames, surname }, dateOfBirth, nationality: country, countryOfResidence: country,
    address: { line1: '1 Main Street', city: 'Springfield', country },
    document: { type: 'passport', number: 'X1234567' },
    sourceOfFunds: { kind: 'salary' },
  };
}

const buy = (portfolioId: string, clientOrderId: string, extra: Msg = {}): Msg =>
  ({ type: 'order', portfolioId, clientOrderId, instrument: 'AAA', side: 'buy', qty: 10, orderType: 'market', ...extra });

describe('serve: KYC, sanctions screening and AML end to end', () => {
  it('gates unapproved customers, halts a sanctioned one with a live alert, enforces maker-checker and refuses a sanctioned counterparty', { timeout: 30_000 }, async () => {
    const url = `ws://127.0.0.1:${engine.port}/ws`;
    const admin = await serveToken(KEYS, 'admin-1', ['admin']);
    const carl = await serveToken(KEYS, 'carl', ['compliance_officer']);
    const olga = await serveToken(KEYS, 'olga', ['compliance_officer']);
    const cust1 = await serveToken(KEYS, 'cust-1', ['trader'], ['PC1']);
    const cust2 = await serveToken(KEYS, 'cust-2', ['trader'], ['PC2']);
    const portfolio = async (id: string) => (await rest(engine.port, admin, 'GET', `/portfolios/${id}`)).json;
    const screeningAlerts = async () => (await rest(engine.port, carl, 'GET', '/compliance/alerts?rule=SANCTIONS_SCREENING')).json.alerts as Msg[];

    // 1. Two owned portfolios, a price for AAA.
    for (const [portfolioId, ownerId] of [['PC1', 'cust-1'], ['PC2', 'cust-2']]) {
      const created = await rest(engine.port, admin, 'POST', '/portfolios', { portfolioId, ownerId, cash: 1_000_000 });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
    }
    const feed = await Client.login(url, await serveToken(KEYS, 'feed-1', ['feed']));
    const officer = await Client.login(url, carl);
    const trader1 = await Client.login(url, cust1);
    const trader2 = await Client.login(url, cust2);
    try {
      expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() })).toMatchObject({ type: 'ack', status: 'accepted' });
      expect(await officer.request({ type: 'subscribe', channel: 'alerts' })).toMatchObject({ type: 'subscribed', channel: 'alerts' });

      // 2. Not approved yet: no new position.
      expect(await trader1.request(buy('PC1', 'c1-a'))).toMatchObject({ type: 'reject', code: 'KYC_REQUIRED' });

      // 3. KYC naming a listed SDN individual (entry 6365, "BIN LADEN, Usama", DOB 30 Jul 1957): a block.
      const check = await rest(engine.port, carl, 'POST', '/compliance/sanctions-check', { name: 'Usama bin Laden', dateOfBirth: '1957-07-30', country: 'SA', type: 'individual' });
      expect(check.status).toBe(200);
      expect(check.json).toMatchObject({ decision: 'block', matches: [{ entNum: 6365 }] });
      const submitted1 = await rest(engine.port, cust1, 'POST', '/kyc/submit', submission('Usama', 'bin Laden', '1957-07-30', 'SA'));
      expect(submitted1.status, JSON.stringify(submitted1.json)).toBe(201);
      expect(submitted1.json).toMatchObject({ userId: 'cust-1', state: 'submitted', screened: true });
      // The customer is not told the outcome (tipping-off).
      expect(JSON.stringify(submitted1.json)).not.toMatch(/block|sanction/i);
      const halted1 = await until(() => portfolio('PC1'), (p) => p.tradingState === 'halted');
      expect(halted1).toMatchObject({ portfolioId: 'PC1', ownerId: 'cust-1', tradingState: 'halted', tradingStateReason: 'SANCTIONS' });
      const afterHalt = await trader1.request(buy('PC1', 'c1-b'));
      expect(afterHalt).toMatchObject({ type: 'reject', code: 'TRADING_HALTED' });
      expect(afterHalt.reason).toMatch(/SANCTIONS/);
      // A portfolio opened for the blocked customer afterwards starts halted too.
      expect((await rest(engine.port, admin, 'POST', '/portfolios', { portfolioId: 'PC3', ownerId: 'cust-1', cash: 1_000 })).status).toBe(201);
      expect(await portfolio('PC3')).toMatchObject({ ownerId: 'cust-1', tradingState: 'halted', tradingStateReason: 'SANCTIONS' });

      // 4. The officers' view: the alert pushed live, then listed; the metrics count it.
      const pushed = await officer.next((m) => m.type === 'alert' && m.rule === 'SANCTIONS_SCREENING' && m.customerId === 'cust-1', 10_000);
      expect(pushed).toMatchObject({ severity: 'high', state: 'open', evidence: { figures: { decision: 'block', topEntNum: 6365 } } });
      const listed = await until(screeningAlerts, (a) => a.some((x) => x.customerId === 'cust-1'));
      const forCust1 = listed.filter((a) => a.customerId === 'cust-1');
      expect(forCust1).toHaveLength(1);
      expect(forCust1[0]).toMatchObject({ alertId: pushed.alertId, rule: 'SANCTIONS_SCREENING', severity: 'high', evidence: { figures: { decision: 'block' } } });
      const metrics1 = await rest(engine.port, carl, 'GET', '/compliance/risk-metrics');
      expect(metrics1.status).toBe(200);
      expect((metrics1.json.screeningHits as Msg).total).toBeGreaterThanOrEqual(1);
      expect(metrics1.json.kycBacklog).toMatchObject({ submitted: 1, in_review: 0, approved: 0, waiting: 1 });
      // A customer reads no alerts.
      expect((await rest(engine.port, cust1, 'GET', '/compliance/alerts')).status).toBe(403);

      // 5. An ordinary customer, clear, approved by a second officer (maker-checker).
      const submitted2 = await rest(engine.port, cust2, 'POST', '/kyc/submit', submission('Maria', 'Jensen', '1985-03-14', 'DK'));
      expect(submitted2.status, JSON.stringify(submitted2.json)).toBe(201);
      expect(await portfolio('PC2')).toMatchObject({ tradingState: 'active' });
      expect(await trader2.request(buy('PC2', 'c2-a'))).toMatchObject({ type: 'reject', code: 'KYC_REQUIRED' });
      const decide = (token: string, action: string) => rest(engine.port, token, 'POST', '/kyc/cust-2/decision', { action, reason: `${action}: documents checked` });
      const review = await decide(olga, 'start_review');
      expect(review.status, JSON.stringify(review.json)).toBe(200);
      const sameOfficer = await decide(olga, 'approve');
      expect(sameOfficer.status).toBe(403);
      expect(JSON.stringify(sameOfficer.json)).toContain('KYC_SAME_OFFICER');
      const approved = await decide(carl, 'approve');
      expect(approved.status, JSON.stringify(approved.json)).toBe(200);
      const kase = await rest(engine.port, carl, 'GET', '/kyc/cust-2');
      expect(kase.json.case).toMatchObject({ state: 'approved', reviewerId: 'olga', decidedBy: 'carl' });
      const accepted = await trader2.request(buy('PC2', 'c2-b'));
      expect(accepted).toMatchObject({ type: 'ack', clientOrderId: 'c2-b' });
      expect(['open', 'filled']).toContain(accepted.status);
      const metrics2 = await rest(engine.port, carl, 'GET', '/compliance/risk-metrics');
      expect(metrics2.json.kycBacklog).toMatchObject({ submitted: 1, in_review: 0, approved: 1 });

      // 6. A sanctioned counterparty: refused at the gateway, and its customer is halted with an alert.
      const otc = await trader2.request(buy('PC2', 'c2-otc', { counterparty: { name: 'Usama bin Laden' } }));
      expect(otc).toMatchObject({ type: 'reject', code: 'SANCTIONED_COUNTERPARTY' });
      const halted2 = await until(() => portfolio('PC2'), (p) => p.tradingState === 'halted');
      expect(halted2).toMatchObject({ tradingState: 'halted', tradingStateReason: 'SANCTIONS' });
      const pushed2 = await officer.next((m) => m.type === 'alert' && m.rule === 'SANCTIONS_SCREENING' && m.customerId === 'cust-2', 10_000);
      // The alert is keyed by its trigger (engine/compliance/screening-alert.ts): the counterparty of PC2.
      expect(pushed2).toMatchObject({ severity: 'high', portfolioId: 'PC2', evidence: { figures: { decision: 'block', topEntNum: 6365 } } });
      expect(pushed2.fillId).toMatch(/^SANCTIONS_SCREENING:counterparty:PC2:usama bin laden:/);
      const forCust2 = (await until(screeningAlerts, (a) => a.some((x) => x.customerId === 'cust-2'))).filter((a) => a.customerId === 'cust-2');
      expect(forCust2).toMatchObject([{ alertId: pushed2.alertId, portfolioId: 'PC2' }]);
      const afterOtc = await trader2.request(buy('PC2', 'c2-c'));
      expect(afterOtc).toMatchObject({ type: 'reject', code: 'TRADING_HALTED' });
      expect(afterOtc.reason).toMatch(/SANCTIONS/);
    } finally {
      await Promise.all([feed.close(), officer.close(), trader1.close(), trader2.close()]).catch(() => {});
    }
  });
});
