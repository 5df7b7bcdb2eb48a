import { describe, expect, it } from 'vitest';
import { Conflator } from '../../web/dashboard/src/conflate.js';
import { Series } from '../../web/dashboard/src/sparkline.js';

/** A hand-driven clock and timer queue. */
function fakeTime() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    clock: { now: () => now },
    scheduler: {
      setTimeout: (fn: () => void, ms: number) => (timers.push({ at: now + ms, fn, id: next }), next++),
      clearTimeout: (id: unknown) => void timers.splice(timers.findIndex((t) => t.id === id), 1),
    },
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at > now) break;
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    },
    pending: () => timers.length,
  };
}

describe('Conflator', () => {
  it('keeps only the latest value per key between flushes', () => {
    const t = fakeTime();
    const flushed: [string, number][][] = [];
    const c = new Conflator<string, number>(250, (m) => flushed.push([...m]), t.clock, t.scheduler);
    for (let i = 0; i < 1000; i++) c.put(`p${i % 3}`, i);
    t.advance(0);
    expect(flushed).toEqual([[['p0', 999], ['p1', 997], ['p2', 998]]]);
  });

  it('flushes at most once per interval however fast values arrive', () => {
    const t = fakeTime();
    let flushes = 0;
    const c = new Conflator<string, number>(250, () => void flushes++, t.clock, t.scheduler);
    for (let ms = 0; ms < 1000; ms += 2) {
      c.put('p', ms);
      t.advance(2);
    }
    expect(flushes).toBeLessThanOrEqual(5);
    expect(flushes).toBeGreaterThanOrEqual(4);
  });

  it('schedules nothing when nothing arrives, and drops what is pending when stopped', () => {
    const t = fakeTime();
    let flushes = 0;
    const c = new Conflator<string, number>(250, () => void flushes++, t.clock, t.scheduler);
    t.advance(10_000);
    expect(t.pending()).toBe(0);
    c.put('p', 1);
    c.stop();
    t.advance(1000);
    expect(flushes).toBe(0);
  });
});

describe('Series (sparkline)', () => {
  it('keeps the last capacity values and draws the newest at the right edge, the highest at the top', () => {
    const s = new Series(3);
    for (const v of [5, 1, 2, 3]) s.push(v);
    expect(s.length).toBe(3);
    const pts = s.points(100, 20).split(' ').map((p) => p.split(',').map(Number));
    expect(pts.map((p) => p[0])).toEqual([0, 50, 100]);
    expect(pts[2]?.[1]).toBe(1); // 3 is the highest: top, inside the 1-pixel pad
    expect(pts[0]?.[1]).toBe(19); // 1 is the lowest: bottom
  });

  it('draws a flat series mid-height and ignores values that are not finite', () => {
    const s = new Series(4);
    for (const v of [7, Number.NaN, 7, Infinity]) s.push(v);
    expect(s.points(30, 10)).toBe('20.0,5.0 30.0,5.0');
  });
});
