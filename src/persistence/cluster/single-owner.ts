/**
 * The ownership of an engine that is the whole deployment: the embedded database (PGlite is one
 * session, so there is nothing to lock and nobody to share with) and PERSISTENCE=memory. It owns
 * every partition, always, and routes nothing elsewhere (docs/SCALE-OUT.md).
 */
import type { OwnershipView, PartitionRoute } from './ownership-port.js';

export function singleOwner(engineId: string, partitions: number, endpoint = ''): OwnershipView {
  const routes: PartitionRoute[] = Array.from({ length: partitions }, (_, partition) => ({ partition, owner: engineId, endpoint, epoch: 0 }));
  const table = routes.map((r) => ({ partition: r.partition, owner: engineId, epoch: r.epoch }));
  const engines = [{ id: engineId, endpoint }];
  return {
    engineId,
    partitions,
    owns: (p) => p >= 0 && p < partitions,
    routeOf: (p) => routes[p],
    engines: () => engines,
    table: () => table,
    ready: () => true,
    fenced: () => {},
    onChange: () => () => {},
  };
}
