/**
 * GET /metrics: the registry in the Prometheus text format. Who may read it: a scraper holding
 * METRICS_TOKEN (`Authorization: Bearer <token>`, compared in constant time), or a principal (token
 * or API key) allowed the action `metrics` (authorize.ts: admin). Anyone else gets 401 / 403 like
 * every REST route. The figures say how busy the engine is, which orders are refused and how many
 * compliance alerts it raises: not for the public.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { errors } from './errors.js';
import { type HttpResult, type Reply, fail } from './http-util.js';
import type { Principal } from './identity/ports.js';
import { denied } from './route-spec.js';
import { bearerToken } from './auth.js';

export interface MetricsRouteOptions {
  readonly registry: Registry;
  /** METRICS_TOKEN; absent: only principals allowed `metrics` read the page. */
  readonly token?: string;
  /** The principal of an Authorization header, as every signed-in route checks it, or the 401 to answer. */
  readonly signedIn: (authorization: string) => Promise<Principal | HttpResult>;
}

/** Whether `presented` is the scrape token: both hashed first, so the comparison is constant-time whatever their lengths. */
export function isScrapeToken(presented: string | undefined, token: string | undefined): boolean {
  if (presented === undefined || token === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The handler: `authorization` is copied out of the request before any await. */
export function serveMetrics(o: MetricsRouteOptions, reply: Reply, authorization: string): Promise<void> {
  const scrape = async (): Promise<HttpResult> => {
    if (!isScrapeToken(bearerToken(authorization), o.token)) {
      if (authorization === '') return fail(401, errors.unauthenticated('expected Authorization: Bearer <METRICS_TOKEN or access token> or Authorization: ApiKey <key>'));
      const p = await o.signedIn(authorization);
      if (!('sub' in p)) return p;
      const refused = denied(p, 'metrics');
      if (refused) return refused;
    }
    const text = await o.registry.metrics();
    return { status: 200, raw: { contentType: o.registry.contentType, bytes: Buffer.from(text, 'utf8') } };
  };
  return scrape().then((r) => reply.send(r));
}
