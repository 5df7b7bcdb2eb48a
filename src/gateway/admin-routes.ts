/**
 * Operator routes (admin role): the queues' dead letters, listed and replayed. The gateway sees
 * them through AdminOps, which the composition root backs with the queues (src/persistence);
 * without persistence there is none and the routes answer 503.
 */
import { z } from 'zod';
import { errors } from './errors.js';
import { type HttpResult, fail } from './http-util.js';
import { type AdminOps, type RouteContext, type RouteSpec, denied, parseBody } from './route-spec.js';

const ReplayBody = z.object({ data: z.unknown().optional() }).strict();

function guard(c: RouteContext): HttpResult | AdminOps {
  const d = denied(c.principal, 'operate');
  if (d) return d;
  if (!c.admin) return fail(503, errors.unavailable('dead letters: the engine runs without persistence (PERSISTENCE=memory)'));
  return c.admin;
}

const isOps = (x: HttpResult | AdminOps): x is AdminOps => 'listDeadLetters' in x;

export const ADMIN_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', pattern: '/admin/dead-letters', paramCount: 0, hasBody: false,
    handle: async (c) => {
      const ops = guard(c);
      if (!isOps(ops)) return ops;
      const raw = c.req.query.get('limit');
      const limit = raw === null ? 100 : Number(raw);
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) return fail(400, errors.invalid(['limit'], 'an integer from 1 to 1000'));
      return { status: 200, body: { deadLetters: await ops.listDeadLetters(limit) } };
    },
  },
  {
    method: 'post', pattern: '/admin/dead-letters/:id/replay', paramCount: 1, hasBody: true,
    handle: async (c) => {
      const ops = guard(c);
      if (!isOps(ops)) return ops;
      const body = parseBody(ReplayBody, c.body ?? {});
      if (!body.ok) return body.result;
      const id = c.req.params[0] ?? ''; // already decoded (readRequest)
      try {
        await ops.replayDeadLetter(id, c.principal.sub, body.value.data);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        const message = (e as Error).message;
        if (typeof code === 'string' && /NOT_FOUND/.test(code)) return fail(404, errors.notFound(`dead letter ${id}`));
        if (typeof code === 'string' && /INVALID|_ID$/.test(code)) return fail(400, { code, message });
        throw e;
      }
      return { status: 202, body: { replayed: id } };
    },
  },
];
