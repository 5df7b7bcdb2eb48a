/**
 * The re-screening schedule over the real KYC service (in-memory rows, a clock the test moves so
 * cases fall due when their risk level says): it screens exactly the due customers, no more than
 * its bound per run, one run at a time, stops with its timer, and one customer whose screening
 * fails neither stops the run nor keeps the others due from being screened.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/engine/log.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { type KycScreening, type KycScreeningResult, KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { type RescreenSchedule, startRescreenSchedule } from '../../src/persistence/rescreen-schedule.js';
import { ANNA } from '../engine/compliance/kyc/fixtures.js';
import { waitFor } from './queue-harness.js';

const T0 = Date.UTC(2026, 5, 1, 9);
const DAY = 86_400_000;
/** A low-risk customer is re-screened a year after their screening (KYC_RISK_DEFAULTS). */
const LOW_RISK_DUE = 365 * DAY;

/** Screening that counts whom it was asked about; it can be told to fail for some names, or to wait. */
class CountingScreening implements KycScreening {
  readonly asked: string[] = [];
  readonly failFor = new Set<string>();
  gate: Promise<void> | undefined;
  async screen(subject: { name: string }): Promise<KycScreeningResult> {
    this.asked.push(subject.name);
    await this.gate;
    if (this.failFor.has(subject.name)) throw new Error(`sanctions thread: the query for ${subject.name} failed`);
    return { decision: 'clear', pep: false, listVersion: 'sdn-test' };
  }
}

type Logged = { level: LogLevel; msg: string; fields?: Record<string, unknown> };

const schedules: RescreenSchedule[] = [];
afterEach(async () => {
  await Promise.all(schedules.splice(0).map((s) => s.stop()));
});

function kycOf() {
  const clock = { now: T0 };
  const screening = new CountingScreening();
  const store = new KycStore(new MemoryKycRows(), memoryDataKeys({ current: { id: 'mk-rescreen', key: randomBytes(32) }, previous: [] }));
  const kyc = new KycService({ store, audit: async () => {}, screening, clock: () => clock.now });
  const logged: Logged[] = [];
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void logged.push({ level, msg, ...(fields ? { fields } : {}) });
  /** Submits a customer named `surname` at `atMs` (screened then, so due a year later). */
  const customer = async (surname: string, atMs = T0): Promise<string> => {
    clock.now = atMs;
    const id = randomUUID();
    const r = await kyc.submit(id, { ...ANNA, legalName: { givenNames: 'Anna', surname } });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return id;
  };
  const schedule = (o: { intervalMs?: number; batch?: number; maxBatchesPerRun?: number } = {}): RescreenSchedule => {
    const s = startRescreenSchedule({ kyc, log, ...o });
    schedules.push(s);
    return s;
  };
  /** The names screened since `from` (asked[from..]), sorted. */
  const screenedSince = (from: number): string[] => screening.asked.slice(from).map((n) => n.replace('Anna ', '')).sort();
  return { clock, screening, kyc, logged, customer, schedule, screenedSince };
}

describe('the re-screening schedule', () => {
  it('screens exactly the customers whose date has come, and then none until their next date', async () => {
    const k = kycOf();
    for (const s of ['Due1', 'Due2', 'Due3']) await k.customer(s, T0);
    for (const s of ['Later1', 'Later2']) await k.customer(s, T0 + 200 * DAY);
    const schedule = k.schedule({ batch: 2 });
    k.clock.now = T0 + LOW_RISK_DUE + 1;
    const from = k.screening.asked.length;
    expect(await schedule.runOnce()).toEqual({ screened: 3, failed: 0 });
    expect(k.screenedSince(from)).toEqual(['Due1', 'Due2', 'Due3']);
    expect(await schedule.runOnce()).toEqual({ screened: 0, failed: 0 });
    expect(k.screening.asked.length).toBe(from + 3);
    // A year after the first run the first three are due again, and the later two too.
    k.clock.now = T0 + 2 * LOW_RISK_DUE + 2;
    const again = k.screening.asked.length;
    expect(await schedule.runOnce()).toEqual({ screened: 5, failed: 0 });
    expect(k.screenedSince(again)).toEqual(['Due1', 'Due2', 'Due3', 'Later1', 'Later2']);
  });

  it('screens at most maxBatchesPerRun × batch customers a run; the next run takes the rest', async () => {
    const k = kycOf();
    for (let i = 0; i < 7; i++) await k.customer(`Many${i}`, T0 + i);
    const schedule = k.schedule({ batch: 2, maxBatchesPerRun: 2 });
    k.clock.now = T0 + LOW_RISK_DUE + DAY;
    const from = k.screening.asked.length;
    expect(await schedule.runOnce()).toEqual({ screened: 4, failed: 0 });
    expect(k.screenedSince(from)).toEqual(['Many0', 'Many1', 'Many2', 'Many3']);
    expect(await schedule.runOnce()).toEqual({ screened: 3, failed: 0 });
    expect(k.screenedSince(from)).toHaveLength(7);
    expect(k.logged).toContainEqual({ level: 'info', msg: 'KYC re-screening ran', fields: { screened: 4, failed: 0 } });
  });

  it('runs one run at a time: calls while one is running share it, and screen no one twice', async () => {
    const k = kycOf();
    for (const s of ['Once1', 'Once2']) await k.customer(s, T0);
    const schedule = k.schedule();
    k.clock.now = T0 + LOW_RISK_DUE + 1;
    let open!: () => void;
    k.screening.gate = new Promise((r) => (open = r));
    const from = k.screening.asked.length;
    const first = schedule.runOnce();
    const second = schedule.runOnce();
    expect(second).toBe(first);
    await waitFor('the run to be screening', () => k.screening.asked.length > from, 2_000);
    const third = schedule.runOnce();
    expect(third).toBe(first);
    open();
    expect(await Promise.all([first, second, third])).toEqual([{ screened: 2, failed: 0 }, { screened: 2, failed: 0 }, { screened: 2, failed: 0 }]);
    expect(k.screenedSince(from)).toEqual(['Once1', 'Once2']);
    // Finished: the next call is a new run (with nothing due).
    const next = schedule.runOnce();
    expect(next).not.toBe(first);
    expect(await next).toEqual({ screened: 0, failed: 0 });
  });

  it('runs on its timer, and runs no more once stopped', async () => {
    const k = kycOf();
    await k.customer('Timed1', T0);
    await k.customer('Timed2', T0 + DAY);
    const schedule = k.schedule({ intervalMs: 20 });
    const from = k.screening.asked.length;
    k.clock.now = T0 + LOW_RISK_DUE + 1; // Timed1 due
    await waitFor('the timer to re-screen the due customer', () => k.screening.asked.length === from + 1, 2_000);
    await schedule.stop();
    k.clock.now = T0 + LOW_RISK_DUE + 2 * DAY; // Timed2 due now, but the schedule is stopped
    await new Promise((r) => setTimeout(r, 150));
    expect(k.screenedSince(from)).toEqual(['Timed1']);
    await schedule.stop(); // twice is fine
  });

  it('keeps going past a customer whose screening fails: the others due are screened, the failure is counted and logged', async () => {
    const k = kycOf();
    // The failing customer is the longest due, so first in every batch the store answers.
    const bad = await k.customer('Broken', T0);
    for (let i = 0; i < 4; i++) await k.customer(`Fine${i}`, T0 + DAY + i);
    k.screening.failFor.add('Anna Broken');
    const schedule = k.schedule({ batch: 1, maxBatchesPerRun: 10 });
    k.clock.now = T0 + LOW_RISK_DUE + 2 * DAY;
    const from = k.screening.asked.length;
    expect(await schedule.runOnce()).toEqual({ screened: 4, failed: 1 });
    // Tried once in the run, not again in each batch.
    expect(k.screenedSince(from)).toEqual(['Broken', 'Fine0', 'Fine1', 'Fine2', 'Fine3']);
    expect(k.logged).toContainEqual({
      level: 'warn', msg: 'KYC re-screening failed', fields: { userId: bad, code: 'KYC_RESCREEN_FAILED', message: 'sanctions thread: the query for Anna Broken failed' },
    });
    // Still due: the next run tries it again, and it is screened once the screening answers.
    k.screening.failFor.clear();
    expect(await schedule.runOnce()).toEqual({ screened: 1, failed: 0 });
    expect(await schedule.runOnce()).toEqual({ screened: 0, failed: 0 });
  });

  it('is not held up by a full batch of failing customers', async () => {
    const k = kycOf();
    for (let i = 0; i < 3; i++) await k.customer(`Down${i}`, T0 + i);
    await k.customer('Healthy', T0 + DAY);
    for (let i = 0; i < 3; i++) k.screening.failFor.add(`Anna Down${i}`);
    const schedule = k.schedule({ batch: 3, maxBatchesPerRun: 5 });
    k.clock.now = T0 + LOW_RISK_DUE + 2 * DAY;
    const from = k.screening.asked.length;
    expect(await schedule.runOnce()).toEqual({ screened: 1, failed: 3 });
    expect(k.screenedSince(from)).toEqual(['Down0', 'Down1', 'Down2', 'Healthy']);
  });
});
