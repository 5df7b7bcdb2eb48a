import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/engine/cluster/partitions.js';
import { type ClusterMap, isForwarded, ownerTable, ownedCounts, partitionsOf, sharesComplete, takenOver } from '../../bench/realtime/cluster-map.js';
import { OrderRoutes } from '../../bench/realtime/order-routes.js';

/** A map of `n` partitions where partition p is owned by owners(p) at epoch epochs(p). */
const mapOf = (n: number, owner: (p: number) => string | null, epoch: (p: number) => number = () => 1): ClusterMap => ({
  engineId: 'e1', ready: true, engines: [],
  partitions: Array.from({ length: n }, (_, p) => ({ partition: p, owner: owner(p), epoch: epoch(p) })),
});

describe('the bench\'s reading of GET /cluster', () => {
  it('counts the shares complete only when every partition is owned and each engine holds at least its floor', () => {
    const ids = ['e1', 'e2', 'e3'];
    // 256 over three: 86 + 85 + 85, or 86 + 86 + 84 when the first two filled their ceiling.
    expect(sharesComplete(mapOf(256, (p) => ids[p < 86 ? 0 : p < 171 ? 1 : 2] as string), ids)).toBe(true);
    expect(sharesComplete(mapOf(256, (p) => ids[p < 86 ? 0 : p < 172 ? 1 : 2] as string), ids)).toBe(true);
    // One above the ceiling (87) means another is below its share: not balanced yet.
    expect(sharesComplete(mapOf(256, (p) => ids[p < 87 ? 0 : p < 173 ? 1 : 2] as string), ids)).toBe(false);
    // One still unowned partition.
    expect(sharesComplete(mapOf(256, (p) => (p === 255 ? null : (ids[p < 86 ? 0 : p < 171 ? 1 : 2] as string))), ids)).toBe(false);
    // All owned, but e3 has not taken its share yet.
    expect(sharesComplete(mapOf(256, (p) => ids[p < 128 ? 0 : p < 250 ? 1 : 2] as string), ids)).toBe(false);
    // An engine the bench did not start owns some.
    expect(sharesComplete(mapOf(256, (p) => (p < 128 ? 'e1' : 'other')), ['e1', 'e2'])).toBe(false);
    expect(ownedCounts(mapOf(4, (p) => (p % 2 ? 'a' : null)))).toEqual(new Map([['a', 2]]));
  });

  it('sees a killed engine\'s partitions taken over only when each has another owner at a higher epoch', () => {
    const before = mapOf(8, (p) => (p < 4 ? 'e1' : 'e2'), () => 3);
    const lost = partitionsOf(before, 'e2');
    expect(lost).toEqual([4, 5, 6, 7].map((partition) => ({ partition, epoch: 3 })));
    // Freed but not yet taken.
    expect(takenOver(mapOf(8, (p) => (p < 4 ? 'e1' : null), () => 3), 'e2', lost)).toBe(false);
    // Three of four taken at a new epoch, one still under the old owner's name.
    expect(takenOver(mapOf(8, (p) => (p < 7 ? 'e1' : 'e2'), (p) => (p >= 4 && p < 7 ? 4 : 3)), 'e2', lost)).toBe(false);
    // Owned by a survivor but at the same epoch: not a takeover the fence knows of.
    expect(takenOver(mapOf(8, () => 'e1', () => 3), 'e2', lost)).toBe(false);
    expect(takenOver(mapOf(8, () => 'e1', (p) => (p >= 4 ? 4 : 3)), 'e2', lost)).toBe(true);
  });

  it('calls an order forwarded exactly when its portfolio\'s partition is owned by another engine than the one it was sent to', () => {
    const owners = ownerTable(mapOf(256, (p) => (p % 2 ? 'e2' : 'e1')));
    for (const id of ['bench-0000', 'bench-0001', 'bench-0417', 'P-é']) {
      const owner = partitionOf(id, 256) % 2 ? 'e2' : 'e1';
      expect(isForwarded(owners, id, owner)).toBe(false);
      expect(isForwarded(owners, id, owner === 'e1' ? 'e2' : 'e1')).toBe(true);
    }
  });
});

describe('client-side order-to-ack by route', () => {
  it('records each order under the engine it went through and its route, and over all engines', () => {
    const owners = ownerTable(mapOf(256, (p) => (p < 128 ? 'e1' : 'e2')));
    const routes = new OrderRoutes(['e1', 'e2'], owners);
    const ids = Array.from({ length: 40 }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    let expectLocal = 0;
    for (const [i, id] of ids.entries()) {
      const via = i % 2;
      const route = routes.routeOf(id, via);
      expect(route).toBe((partitionOf(id, 256) < 128 ? 0 : 1) === via ? 'local' : 'forwarded');
      if (route === 'local') expectLocal++;
      routes.record(via, route, route === 'local' ? 0.5 : 2);
    }
    const s = routes.summary();
    expect(s.total.local.count).toBe(expectLocal);
    expect(s.total.forwarded.count).toBe(ids.length - expectLocal);
    expect(s.total.local.max).toBe(0.5);
    expect(s.total.forwarded.p50).toBe(2);
    expect(s.perEngine.map((e) => e.engineId)).toEqual(['e1', 'e2']);
    expect(s.perEngine.reduce((n, e) => n + e.local.count + e.forwarded.count, 0)).toBe(ids.length);
    expect(() => routes.routeOf('bench-0000', 2)).toThrow(/no engine number 2/);
  });
});
