/**
 * Operator routes (admin role): the queues' dead letters, listed and replayed. The gateway sees
 * them through AdminOps, which the composition root backs with the queues (src/persistence);
 * without persistence there is none and the routes answer 503.
 */
import { z } from 'zod';
import { errors } from './errors.js';
import { type HttpResult, fail } from './http-util.js';
import { type AdminOps, type RouteContext, type RouteSpec, denied, parseBody } from './route-spec.js';

import { FORBIDDEN } from './route-doc.js';

const ReplayBody = z.object({ data: z.unknown().optional() }).strict();
/** For the document: the handler reads `limit` itself. */
const DeadLettersQuery = z.object({ limit: z.int().min(1).max(1000).default(100).describe('How many, newest first.') });

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
    doc: {
      summary: 'Jobs that exhausted their retries or failed validation', tags: ['admin'], query: DeadLettersQuery,
      responses: { 200: { description: '{deadLetters: [{id: "<queue>:<jobId>", queue, jobId, name, reason, attemptsMade, failedAtMs, data}]}' } },
      errors: { 400: ['INVALID_MESSAGE'], ...FORBIDDEN, 503: ['UNAVAILABLE'] },
    },
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
    doc: {
      summary: 'Replay a dead letter, with corrected data if given', tags: ['admin'], body: ReplayBody, bodyExample: { data: { portfolioId: 'demo-0000' } },
      responses: { 202: { description: '{replayed: id}' } },
      errors: { 400: ['INVALID_MESSAGE', 'QUEUE_DEAD_LETTER_ID', 'QUEUE_REPLAY_INVALID'], ...FORBIDDEN, 404: ['NOT_FOUND'], 503: ['UNAVAILABLE'] },
    },
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
