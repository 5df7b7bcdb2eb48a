/**
 * What the scale-out bench reads from GET /cluster (docs/SCALE-OUT.md): who owns each partition.
 * Pure functions over one map, so the decisions the bench makes on it (are the shares complete,
 * has a killed engine's every partition been taken, was an order forwarded) are unit-tested
 * (test/bench/cluster-map.test.ts).
 */
import { partitionOf } from '../../src/engine/cluster/partitions.js';

export interface ClusterMap {
  readonly engineId: string;
  readonly ready: boolean;
  readonly engines: readonly { readonly id: string; readonly endpoint: string }[];
  readonly partitions: readonly { readonly partition: number; readonly owner: string | null; readonly epoch: number }[];
}

/** Partitions owned per engine id (unowned partitions are not counted). */
export function ownedCounts(map: ClusterMap): Map<string, number> {
  const n = new Map<string, number>();
  for (const p of map.partitions) if (p.owner !== null) n.set(p.owner, (n.get(p.owner) ?? 0) + 1);
  return n;
}

/**
 * True when every partition has an owner among `ids` and each of them owns its share. Each engine
 * takes up to ceil(partitions / engines) (src/engine/cluster/partitions.ts shareOf), so the first
 * ones may fill the ceiling and leave the last the rest: 256 over three is 86 + 86 + 84.
 */
export function sharesComplete(map: ClusterMap, ids: readonly string[]): boolean {
  const total = map.partitions.length;
  if (total === 0 || ids.length === 0) return false;
  const counts = ownedCounts(map);
  const ceil = Math.ceil(total / ids.length);
  const least = Math.max(1, total - (ids.length - 1) * ceil);
  let sum = 0;
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    if (n < least || n > ceil) return false;
    sum += n;
  }
  return sum === total;
}

/** The partitions `owner` holds in `map`, with their epochs. */
export function partitionsOf(map: ClusterMap, owner: string): { partition: number; epoch: number }[] {
  return map.partitions.filter((p) => p.owner === owner).map((p) => ({ partition: p.partition, epoch: p.epoch }));
}

/**
 * True when each of `lost` (a killed engine's partitions, with the epochs they had under it) is
 * owned by another engine at a higher epoch in `now`: taken over, not merely freed.
 */
export function takenOver(now: ClusterMap, victim: string, lost: readonly { partition: number; epoch: number }[]): boolean {
  const byPartition = new Map(now.partitions.map((p) => [p.partition, p]));
  return lost.every((l) => {
    const p = byPartition.get(l.partition);
    return p !== undefined && p.owner !== null && p.owner !== victim && p.epoch > l.epoch;
  });
}

/** Owner of each partition (index = partition number), undefined where none. */
export function ownerTable(map: ClusterMap): (string | undefined)[] {
  const owners: (string | undefined)[] = new Array<string | undefined>(map.partitions.length).fill(undefined);
  for (const p of map.partitions) owners[p.partition] = p.owner ?? undefined;
  return owners;
}

/**
 * Whether an order for `portfolioId` sent to engine `via` is forwarded: its partition's owner (in
 * `owners`, from /cluster before the load) is another engine. Ownership does not move while the
 * load runs (no engine joins or leaves), so the map taken before it holds throughout.
 */
export function isForwarded(owners: readonly (string | undefined)[], portfolioId: string, via: string): boolean {
  return owners[partitionOf(portfolioId, owners.length)] !== via;
}
