/**
 * A routing map held in memory for the routing tests: which engine owns which partition, and each
 * engine's endpoint, shared by every engine of one test (the PostgreSQL coordinator of
 * src/persistence/cluster/ is another helper's and has its own tests). Changing it tells every
 * engine's view, as a takeover's NOTIFY would.
 */
import type { OwnershipView, PartitionRoute } from '../../../src/persistence/cluster/ownership-port.js';

export class StaticClusterMap {
  readonly owners: (string | undefined)[];
  private readonly endpoints = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private epoch = 1;

  constructor(readonly partitions: number) {
    this.owners = new Array<string | undefined>(partitions).fill(undefined);
  }

  /** An engine is live at `endpoint`. */
  join(engineId: string, endpoint: string): void {
    this.endpoints.set(engineId, endpoint);
    this.changed();
  }

  /** An engine left (its partitions stay as assigned: assign them apart). */
  leave(engineId: string): void {
    this.endpoints.delete(engineId);
    this.changed();
  }

  /** `owner` (undefined: nobody) owns these partitions from now on. */
  assign(partitions: readonly number[], owner: string | undefined): void {
    for (const p of partitions) this.owners[p] = owner;
    this.epoch += 1;
    this.changed();
  }

  viewOf(engineId: string): OwnershipView {
    const map = this;
    return {
      engineId,
      partitions: map.partitions,
      owns: (p) => map.owners[p] === engineId,
      routeOf: (p): PartitionRoute | undefined => {
        const owner = map.owners[p];
        const endpoint = owner === undefined ? undefined : map.endpoints.get(owner);
        return owner === undefined || endpoint === undefined ? undefined : { partition: p, owner, endpoint, epoch: map.epoch };
      },
      engines: () => [...map.endpoints].map(([id, endpoint]) => ({ id, endpoint })),
      table: () => map.owners.map((owner, partition) => ({ partition, owner: owner ?? null, epoch: map.epoch })),
      ready: () => true,
      fenced: () => {},
      onChange: (l) => {
        map.listeners.add(l);
        return () => map.listeners.delete(l);
      },
    };
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
