import { describe, expect, it } from 'vitest';
import { RecalcCoalescer } from '../../../src/engine/actors/recalc-coalescer.js';

describe('RecalcCoalescer', () => {
  it('turns a burst of 10,000 marks for one portfolio into one recalculation when none is in flight', () => {
    const c = new RecalcCoalescer();
    for (let i = 0; i < 10_000; i++) c.markDirty('A');
    expect(c.takeBatch(10)).toEqual(['A']);
    expect(c.takeBatch(10)).toEqual([]);
    expect(c.stats()).toMatchObject({ requested: 10_000, coalesced: 9_999, dispatched: 1, inFlight: 1 });
  });

  it('yields at most two recalculations for a burst that straddles one in flight', () => {
    const c = new RecalcCoalescer();
    let runs = 0;
    for (let i = 0; i < 10_000; i++) {
      c.markDirty('A');
      if (i === 10) runs += c.takeBatch(1).length; // one starts mid-burst
    }
    expect(c.takeBatch(10)).toEqual([]); // never two in flight
    c.complete(['A']);
    runs += c.takeBatch(10).length;
    c.complete(['A']);
    expect(c.takeBatch(10)).toEqual([]);
    expect(runs).toBe(2);
    expect(c.requested).toBe(10_000);
    expect(c.coalesced).toBe(9_998);
  });

  it('returns a completed portfolio to idle when nothing marked it meanwhile', () => {
    const c = new RecalcCoalescer();
    c.markDirty('A');
    c.complete(c.takeBatch(5));
    expect(c.takeBatch(5)).toEqual([]);
    expect(c.stats()).toMatchObject({ pending: 0, inFlight: 0 });
    c.markDirty('A');
    expect(c.takeBatch(5)).toEqual(['A']);
  });

  it('hands out portfolios in order of first dirtying, in batches of at most max', () => {
    const c = new RecalcCoalescer();
    for (const id of ['C', 'A', 'B', 'A', 'D', 'C']) c.markDirty(id);
    expect(c.takeBatch(2)).toEqual(['C', 'A']);
    c.markDirty('A'); // in flight: owed after, behind the others
    c.complete(['C', 'A']);
    expect(c.takeBatch(10)).toEqual(['B', 'D', 'A']);
  });

  it('keeps order and counts through a queue much longer than its first buffer', () => {
    const c = new RecalcCoalescer();
    const ids = Array.from({ length: 1000 }, (_, i) => `P${i}`);
    for (const id of ids) c.markDirty(id);
    const got: string[] = [];
    for (let b = c.takeBatch(64); b.length > 0; b = c.takeBatch(64)) got.push(...b);
    expect(got).toEqual(ids);
    expect(c.inFlight).toBe(1000);
  });

  it('forgets a removed portfolio whether queued or in flight', () => {
    const c = new RecalcCoalescer();
    ['A', 'B', 'C'].forEach((id) => c.markDirty(id));
    c.forget('B');
    expect(c.takeBatch(1)).toEqual(['A']);
    c.forget('A');
    c.complete(['A']); // skipped
    expect(c.takeBatch(10)).toEqual(['C']);
    expect(c.stats()).toMatchObject({ pending: 0, inFlight: 1 });
  });
});
