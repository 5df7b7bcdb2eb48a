/**
 * GET /cluster (admin): the engines of the deployment and who owns each partition, as this engine
 * last read them from the partitions table (docs/SCALE-OUT.md). An engine alone (the embedded
 * database, PERSISTENCE=memory) shows itself owning every partition.
 */
import type { OwnershipView } from '../persistence/cluster/ownership-port.js';
import { type RouteSpec, denied } from './route-spec.js';
import { FORBIDDEN } from './route-doc.js';

export function clusterRoutes(view: () => OwnershipView): readonly RouteSpec[] {
  return [{
    method: 'get', pattern: '/cluster', paramCount: 0, hasBody: false,
    doc: {
      summary: 'The engines and the owner of each partition', tags: ['admin'],
      responses: { 200: { description: '{engineId, ready, engines: [{id, endpoint}], partitions: [{partition, owner, epoch}]}' } },
      errors: { ...FORBIDDEN },
    },
    handle: (c) => {
      const d = denied(c.principal, 'operate');
      if (d) return d;
      const v = view();
      return { status: 200, body: { engineId: v.engineId, ready: v.ready(), engines: v.engines(), partitions: v.table() } };
    },
  }];
}
