/**
 * The compliance_reports table through pgReportRows on this machine's PostgreSQL: a request's life
 * (queued → running → done | failed), a scheduled day existing once, and the counts the metrics
 * read, where a failure made good by a later request of the same period stops counting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgReportRows, type ReportRows } from '../../src/persistence/reports/report-rows.js';
import { openTestDb, type TestDb } from '../persistence/queue-harness.js';

let t: TestDb;
let rows: ReportRows;
const T0 = Date.parse('2026-12-01T12:00:00Z');

beforeAll(async () => {
  t = await openTestDb('server');
  rows = pgReportRows(t.db.pool);
});

afterAll(async () => {
  await t?.close();
});

describe('pgReportRows', () => {
  it('takes a request from queued through running to done, with its content, hash and versions', async () => {
    const id = (await rows.create({ type: 'aml', from: '2026-11-01', to: '2026-11-30', format: 'csv' }, 'olga', T0)) as string;
    expect(await rows.get(id)).toMatchObject({ status: 'queued', attempts: 0, content: null, requestedBy: 'olga', portfolioId: null, scheduled: false });
    expect(await rows.start(id, T0 + 1)).toEqual({ type: 'aml', from: '2026-11-01', to: '2026-11-30', format: 'csv', attempts: 1 });
    await rows.finish(id, 'a,b\n', 'e'.repeat(64), { alerts: 3 }, T0 + 2);
    expect(await rows.get(id)).toMatchObject({ status: 'done', content: 'a,b\n', sha256: 'e'.repeat(64), bytes: 4, versions: { alerts: 3 }, finishedMs: T0 + 2, error: null });
    // A done report is not started again (a job the queue ran twice).
    expect(await rows.start(id, T0 + 3)).toBeUndefined();
    await rows.fail(id, 'LATE', 'a late failure', T0 + 4);
    expect((await rows.get(id))?.status).toBe('done');
  });

  it('keeps a failure\'s code and message, and a new attempt clears them', async () => {
    const id = (await rows.create({ type: 'capital', from: '2026-11-02', to: '2026-11-02', format: 'json', portfolioId: 'P1' }, 'rita', T0)) as string;
    await rows.start(id, T0);
    await rows.fail(id, 'STALE_PRICES', 'the price files stop at 2020-08-28', T0 + 1);
    expect(await rows.get(id)).toMatchObject({ status: 'failed', error: { code: 'STALE_PRICES', message: 'the price files stop at 2020-08-28' }, portfolioId: 'P1' });
    expect(await rows.start(id, T0 + 2)).toMatchObject({ portfolioId: 'P1', attempts: 2 });
    expect(await rows.get(id)).toMatchObject({ status: 'running', error: null });
  });

  it('records a scheduled report of a day once, however many times it is asked', async () => {
    const req = { type: 'large-positions' as const, from: '2026-11-03', to: '2026-11-03', format: 'json' as const };
    const first = await rows.create(req, 'scheduler', T0, true);
    expect(first).toBeDefined();
    expect(await rows.create(req, 'scheduler', T0 + 1, true)).toBeUndefined();
    // By hand, the same day is a new report every time (regenerating is what it is for).
    expect(await rows.create(req, 'olga', T0 + 2)).toBeDefined();
    expect(await rows.scheduledDays('large-positions', '2026-11-01', '2026-11-30')).toEqual(new Set(['2026-11-03']));
  });

  it('counts failures for the metrics only until a later request of the same period is done', async () => {
    const req = { type: 'daily-risk' as const, from: '2026-11-04', to: '2026-11-04', format: 'json' as const };
    const failed = (await rows.create(req, 'scheduler', T0 + 10, true)) as string;
    await rows.start(failed, T0 + 11);
    await rows.fail(failed, 'NO_PRICES_ON_DAY', 'no close on the day', T0 + 12);
    const count = async () => (await rows.recentCounts(T0)).find((c) => c.type === 'daily-risk' && c.status === 'failed')?.n ?? 0;
    expect(await count()).toBe(1);
    // Another portfolio's report of the day does not make this one good.
    const other = (await rows.create({ ...req, portfolioId: 'P9' }, 'olga', T0 + 13)) as string;
    await rows.start(other, T0 + 13);
    await rows.finish(other, '{}', 'a'.repeat(64), {}, T0 + 14);
    expect(await count()).toBe(1);
    const again = (await rows.create(req, 'olga', T0 + 15)) as string;
    await rows.start(again, T0 + 15);
    await rows.finish(again, '{}', 'b'.repeat(64), {}, T0 + 16);
    expect(await count()).toBe(0);
    expect((await rows.recentCounts(T0)).find((c) => c.type === 'daily-risk' && c.status === 'done')?.n).toBe(2);
    // Older than the window: not counted at all.
    expect(await rows.recentCounts(T0 + 100)).toEqual([]);
  });

  it('finds the reports still unfinished after a while, oldest first', async () => {
    const id = (await rows.create({ type: 'aml', from: '2026-10-01', to: '2026-10-31', format: 'json' }, 'olga', T0 - 1_000_000)) as string;
    const ids = await rows.unfinished(T0 - 1, 10);
    expect(ids).toEqual([id]);
  });
});
