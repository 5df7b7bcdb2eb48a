/**
 * CounterpartyScreening over the real sanctions thread on the shipped SDN list (data/ofac, a copy
 * in a temporary folder so a reload can change it): what it caches, what it shares, when it
 * screens again, and that it fails closed. Thread calls are counted by a wrapper that passes every
 * call through to the thread. Runs the compiled thread (`npm run build`).
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CounterpartyHit, CounterpartyScreening } from '../../src/gateway/counterparty-screening.js';
import { SANCTIONS_LIST_DEFAULTS } from '../../src/persistence/sanctions-list.js';
import { SanctionsThread } from '../../src/workers/sanctions/sanctions-thread.js';
import { CountingScreener } from './counting-screener.js';

const dir = mkdtempSync(path.join(tmpdir(), 'risk-counterparty-'));
let thread: SanctionsThread;
const party = { portfolioId: 'P1', userId: 'tom' };

beforeAll(async () => {
  cpSync(SANCTIONS_LIST_DEFAULTS.dir, dir, { recursive: true });
  thread = await SanctionsThread.open(dir);
}, 30_000);
afterAll(async () => {
  await thread?.close();
  rmSync(dir, { recursive: true, force: true });
});

function screening(opts: { enabled?: boolean; maxEntries?: number } = {}) {
  const counting = new CountingScreener(thread);
  const hits: CounterpartyHit[] = [];
  const s = new CounterpartyScreening({ screener: counting, onHit: (h) => hits.push(h), ...opts });
  return { s, counting, hits };
}

describe('counterparty screening', () => {
  it('refuses a listed name with SANCTIONED_COUNTERPARTY and tells onHit with the block, once per customer', async () => {
    const { s, hits } = screening();
    expect(await s.check('Usama bin Laden', party)).toMatchObject({ ok: false, code: 'SANCTIONED_COUNTERPARTY', message: expect.stringContaining('Usama bin Laden') });
    expect(await s.check('Usama bin Laden', party)).toMatchObject({ ok: false, code: 'SANCTIONED_COUNTERPARTY' });
    expect(await s.check('Usama bin Laden', { portfolioId: 'P2', userId: 'ann' })).toMatchObject({ ok: false });
    expect(hits.map((h) => [h.portfolioId, h.userId, h.name, h.result.decision])).toEqual([['P1', 'tom', 'Usama bin Laden', 'block'], ['P2', 'ann', 'Usama bin Laden', 'block']]);
    expect(hits[0]?.result.matches[0]?.matchedName).toBe('BIN LADEN, Usama');
  });

  it('lets a reviewed name through and tells onHit with the review', async () => {
    const { s, hits } = screening();
    expect(await s.check('Aerocaribbean', party)).toEqual({ ok: true });
    expect(hits.map((h) => h.result.decision)).toEqual(['review']);
  });

  it('answers a name seen and cleared from its cache, synchronously, and another spelling of it without asking the thread again', async () => {
    const { s, counting, hits } = screening();
    expect(await s.check('Nordsee Handels GmbH', party)).toEqual({ ok: true });
    expect(s.check('Nordsee Handels GmbH', party)).toEqual({ ok: true }); // not a promise: no round trip
    expect(await s.check('NORDSEE  handels gmbh', party)).toEqual({ ok: true });
    expect(counting.asked).toEqual(['Nordsee Handels GmbH']);
    expect(hits).toEqual([]);
  });

  it('shares one screening among concurrent checks of the same unseen name', async () => {
    const { s, counting } = screening();
    const verdicts = await Promise.all([1, 2, 3].map(async () => s.check('Kim Jong Un', party)));
    expect(verdicts.map((v) => (v.ok ? 'ok' : v.code))).toEqual(['SANCTIONED_COUNTERPARTY', 'SANCTIONED_COUNTERPARTY', 'SANCTIONED_COUNTERPARTY']);
    expect(counting.asked).toEqual(['Kim Jong Un']);
  });

  it('keeps at most maxEntries (a name as sent and its normalised form are one each), forgetting the least recently used first', async () => {
    const { s, counting } = screening({ maxEntries: 2 });
    for (const name of ['Alpha Ship Brokers', 'Alpha Ship Brokers', 'Beta Freight Ltd', 'Beta Freight Ltd', 'Alpha Ship Brokers']) await s.check(name, party);
    expect(s.size).toBe(2);
    expect(counting.asked).toEqual(['Alpha Ship Brokers', 'Beta Freight Ltd', 'Alpha Ship Brokers']);
  });

  it('passes every name unscreened when disabled', async () => {
    const { s, counting, hits } = screening({ enabled: false });
    expect(s.check('Usama bin Laden', party)).toEqual({ ok: true });
    expect(counting.asked).toEqual([]);
    expect(hits).toEqual([]);
  });

  it('screens again once the list in force changes (a reload)', async () => {
    const { s, counting } = screening();
    await s.check('Nordsee Handels GmbH', party);
    const before = thread.version.sha256;
    appendFileSync(path.join(dir, 'sdn_comments.csv'), '\n');
    expect((await thread.reload()).sha256).not.toBe(before);
    await s.check('Nordsee Handels GmbH', party);
    expect(counting.asked).toEqual(['Nordsee Handels GmbH', 'Nordsee Handels GmbH']);
  });

  it('fails closed: a name that cannot be screened (the thread stopped) is refused with SCREENING_UNAVAILABLE, and not remembered', async () => {
    const other = await SanctionsThread.open(dir);
    const s = new CounterpartyScreening({ screener: other });
    expect(await s.check('Nordsee Handels GmbH', party)).toEqual({ ok: true });
    await other.close();
    expect(await s.check('Gamma Metals AG', party)).toMatchObject({ ok: false, code: 'SCREENING_UNAVAILABLE' });
    expect(await s.check('Gamma Metals AG', party)).toMatchObject({ ok: false, code: 'SCREENING_UNAVAILABLE' });
    // A name cleared before the failure is still answered from the cache.
    expect(s.check('Nordsee Handels GmbH', party)).toEqual({ ok: true });
  }, 30_000);
});
