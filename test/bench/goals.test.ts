import { describe, expect, it } from 'vitest';
import { type GoalFigures, ratioGoals, sweepFloorMs } from '../../bench/realtime/goals.js';

const base: GoalFigures = {
  persistence: 'memory',
  orderToAck: { p50: 0.5, p99: 6 },
  tickToRisk: { p50: 6, p99: 20 },
  recalcsPerSec: 80_000,
  echo: { p50: 0.3, p99: 2.5 },
  commit: null,
  books: 1000,
  kernelBusyUsPerBook: 8,
  riskThreads: 2,
  poolRecalcsPerSec: 100_000,
};
const byName = (x: GoalFigures): Record<string, ReturnType<typeof ratioGoals>[number]> => Object.fromEntries(ratioGoals(x).map((g) => [g.name, g]));

describe('bench ratio goals', () => {
  it('sweep floor is books × µs per book ÷ threads, in ms', () => {
    expect(sweepFloorMs(1000, 8, 2)).toBe(4);
    expect(sweepFloorMs(10_000, 7.5, 4)).toBeCloseTo(18.75, 12);
  });

  it('holds memory order-to-ack against the echo: p50 within 2×, p99 within 3×', () => {
    const g = byName(base);
    expect(g['orderToAck p50']).toMatchObject({ floor: 0.3, kind: 'max', limit: 2, met: true });
    expect(g['orderToAck p50']?.ratio).toBeCloseTo(0.5 / 0.3, 12);
    expect(g['orderToAck p99']).toMatchObject({ floor: 2.5, limit: 3, met: true });
    expect(byName({ ...base, orderToAck: { p50: 0.61, p99: 7.6 } })['orderToAck p99']?.met).toBe(false);
    expect(byName({ ...base, orderToAck: { p50: 0.61, p99: 7.5 } })['orderToAck p50']?.met).toBe(false);
  });

  it('holds durable order-to-ack p50 against echo plus commit, and has no p99 goal', () => {
    const g = byName({ ...base, persistence: 'external', orderToAck: { p50: 3, p99: 30 }, commit: { p50: 1.7, p99: 12 } });
    expect(g['orderToAck p50']).toMatchObject({ floor: 2, limit: 1.5, met: true, ratio: 1.5 });
    expect(g['orderToAck p99']).toBeUndefined();
    expect(byName({ ...base, persistence: 'external', orderToAck: { p50: 3.01, p99: 30 }, commit: { p50: 1.7, p99: 12 } })['orderToAck p50']?.met).toBe(false);
  });

  it('says a goal is not judged (met null) when its floor was not measured', () => {
    const g = byName({ ...base, persistence: 'embedded', commit: null, kernelBusyUsPerBook: null, poolRecalcsPerSec: null });
    for (const name of ['orderToAck p50', 'tickToRisk p50', 'tickToRisk p99', 'recalcs/s']) {
      expect(g[name]?.met).toBeNull();
      expect(g[name]?.ratio).toBeNaN();
    }
  });

  it('holds tick-to-risk against the sweep floor: p50 within 1.5×, p99 within 4×', () => {
    const g = byName(base);
    expect(g['tickToRisk p50']).toMatchObject({ floor: 4, ratio: 1.5, limit: 1.5, met: true });
    expect(g['tickToRisk p99']).toMatchObject({ floor: 4, ratio: 5, limit: 4, met: false });
  });

  it('wants recalculations at 70% of the isolated pool or more', () => {
    expect(byName(base)['recalcs/s']).toMatchObject({ floor: 100_000, ratio: 0.8, kind: 'min', met: true });
    expect(byName({ ...base, recalcsPerSec: 69_999 })['recalcs/s']?.met).toBe(false);
    expect(byName({ ...base, recalcsPerSec: Number.NaN })['recalcs/s']?.met).toBeNull();
  });
});
