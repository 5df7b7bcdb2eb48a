/**
 * What a REST route is (its method, pattern and handler) and what it is given, with the two checks
 * every route makes: the body against its schema, the principal against the action.
 */
import type { z } from 'zod';
import type { EngineApi } from '../engine/runtime/engine-api.js';
import type { DeadLetter } from '../persistence/queues.js';
import type { Principal } from './auth.js';
import { type Action, authorize } from './authorize.js';
import { errors } from './errors.js';
import { type HttpResult, type RequestInfo, fail } from './http-util.js';
import type { RouteDoc } from './route-doc.js';

/** Operator actions on the queues, backed by the composition root (src/persistence). */
export interface AdminOps {
  listDeadLetters(limit: number): Promise<readonly DeadLetter[]>;
  /**
   * Replays it, audited with `actor` (the admin's subject). Throws an error with `code`
   * (…NOT_FOUND, …INVALID, …ID) when the id or corrected data is wrong.
   */
  replayDeadLetter(id: string, actor: string, data?: unknown): Promise<void>;
}

export interface RouteContext {
  readonly engine: EngineApi;
  readonly principal: Principal;
  readonly req: RequestInfo;
  /** Parsed JSON body (POST routes). */
  readonly body: unknown;
  /** Operator actions (dead letters), when the engine runs with persistence. */
  readonly admin?: AdminOps;
}

export interface RouteSpec {
  readonly method: 'get' | 'post' | 'del';
  readonly pattern: string;
  readonly paramCount: number;
  readonly hasBody: boolean;
  /**
   * The largest body this route takes, bytes, when it is not the gateway's maxBodyBytes (an upload
   * route's, larger); checked from Content-Length before the body is read, then as it arrives.
   */
  readonly maxBodyBytes?: number;
  /** What GET /openapi.json says of it (openapi.ts); its `body` is the schema `handle` parses. */
  readonly doc?: RouteDoc;
  readonly handle: (c: RouteContext) => HttpResult | Promise<HttpResult>;
}

/** The body as `schema` reads it, or the 400 naming the first field at fault. */
/**
 * A list route's query string checked by its strict object schema: unknown names are refused
 * naming the filters there are, a bad value naming its parameter (400 BAD_QUERY). A repeated name
 * counts with its last value.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: URLSearchParams): { ok: true; value: z.output<S> } | { ok: false; result: HttpResult } {
  const raw: Record<string, string> = {};
  for (const [k, v] of query) raw[k] = v;
  const q = schema.safeParse(raw);
  if (q.success) return { ok: true, value: q.data };
  const issue = q.error.issues[0];
  if (issue?.code === 'unrecognized_keys') return { ok: false, result: fail(400, errors.badQuery(issue.keys.join(', '), `none of them: the filters are ${Object.keys(schema.shape).join(', ')}`)) };
  return { ok: false, result: fail(400, errors.badQuery(String(issue?.path[0] ?? '?'), issue?.message ?? 'a valid value')) };
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): { ok: true; value: T } | { ok: false; result: HttpResult } {
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, result: fail(400, errors.invalid(issue?.path ?? [], issue?.message ?? 'invalid')) };
}

/** null when `p` may do `action` (on the portfolio), else the 403 saying why. */
export function denied(p: Principal, action: Action, portfolioId?: string): HttpResult | null {
  const why = authorize(p, action, portfolioId);
  return why === null ? null : fail(403, errors.forbidden(why));
}

/** What a route open to anyone (no token: register, login, refresh, MFA login, JWKS) is given. */
export interface PublicRouteContext {
  readonly req: RequestInfo;
  /** The caller's address as the socket (or a declared proxy) gives it, for per-IP limits and audit. */
  readonly ip: string;
  /** Parsed JSON body (POST routes). */
  readonly body: unknown;
  /**
   * The request's Authorization header checked as a signed-in route's would be (signature, expiry,
   * revocation): for an open route that also has a signed-in form.
   */
  signedIn(): Promise<Principal | HttpResult>;
}

/** A route served without a token; the server still applies body limits, headers and rate limits. */
export interface PublicRouteSpec {
  readonly method: 'get' | 'post';
  readonly pattern: string;
  readonly paramCount: number;
  readonly hasBody: boolean;
  readonly public: true;
  /** What GET /openapi.json says of it (openapi.ts); its `body` is the schema `handle` parses. */
  readonly doc?: RouteDoc;
  readonly handle: (c: PublicRouteContext) => HttpResult | Promise<HttpResult>;
}
