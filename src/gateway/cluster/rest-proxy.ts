/**
 * REST for a portfolio another engine owns: the request is proxied over HTTP to the owner's
 * endpoint with the caller's Authorization, and the owner's answer (status, body, the rate-limit
 * headers) relayed as it is. Over HTTP rather than the internal link: the owner then runs its whole
 * REST stack unchanged (the token verified by itself, as the signing keys are shared; rate limits,
 * body limits, tracing, the route's own handler), and nothing REST-shaped has to cross the link.
 * The cost is one keep-alive HTTP connection per peer (fetch's pool) beside the link.
 *
 * Only routes that name one portfolio are routed (PORTFOLIO_OF). A route naming an order (GET or
 * DELETE /trades/:id) names its portfolio too: the order id carries it (engine/actors/order-id.ts).
 * Lists over every portfolio a caller may read (GET /trades without portfolioId, ...) are answered
 * from this engine's portfolios alone.
 */
import { portfolioOfOrderId } from '../../engine/actors/order-id.js';
import { FORWARDED_HEADER, type HttpResult, type RequestInfo } from '../http-util.js';

const fromQuery = (info: RequestInfo): string | undefined => info.query.get('portfolioId') ?? undefined;
const fromBody = (_info: RequestInfo, body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as { portfolioId?: unknown }).portfolioId;
  return typeof id === 'string' ? id : undefined;
};

const fromOrderId = (info: RequestInfo): string | undefined => (info.params[0] === undefined ? undefined : portfolioOfOrderId(info.params[0]));

/** `method pattern` → the portfolio the request names (undefined: none, answered here). */
export const PORTFOLIO_OF: ReadonlyMap<string, (info: RequestInfo, body: unknown) => string | undefined> = new Map([
  ['post /portfolios', fromBody],
  ['get /portfolios/:id', (info: RequestInfo) => info.params[0]],
  ['get /risk/positions', fromQuery],
  ['get /risk/portfolio', fromQuery],
  ['post /risk/limits', fromBody],
  ['post /trades', fromBody],
  ['get /trades', fromQuery],
  ['get /trades/:id', fromOrderId],
  ['del /trades/:id', fromOrderId],
]);

export function restPortfolioOf(method: string, pattern: string, info: RequestInfo, body: unknown): string | undefined {
  return PORTFOLIO_OF.get(`${method} ${pattern}`)?.(info, body);
}

/** Headers of the owner's answer that the caller must see. */
const RELAYED_HEADERS = ['retry-after', 'ratelimit', 'ratelimit-policy', 'x-request-id'];

/**
 * Sends the request to `httpBase` and returns the owner's answer as an HttpResult; rejects when the
 * owner cannot be reached or does not answer within `timeoutMs`.
 */
export async function proxyRest(httpBase: string, self: string, info: RequestInfo, body: Buffer | undefined, timeoutMs: number, fetchFn: typeof fetch = fetch): Promise<HttpResult> {
  const headers: Record<string, string> = { [FORWARDED_HEADER]: self };
  if (info.authorization !== '') headers.authorization = info.authorization;
  if (body !== undefined) headers['content-type'] = info.contentType;
  const query = info.query.toString();
  const method = info.method.toUpperCase();
  const res = await fetchFn(`${httpBase}${info.url}${query === '' ? '' : `?${query}`}`, {
    method,
    headers,
    ...(body !== undefined && method !== 'GET' ? { body } : {}),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const relayed: [string, string][] = [];
  for (const h of RELAYED_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) relayed.push([h === 'x-request-id' ? 'x-owner-request-id' : h, v]);
  }
  return {
    status: res.status,
    headers: relayed,
    ...(bytes.length > 0 ? { raw: { contentType: res.headers.get('content-type') ?? 'application/octet-stream', bytes } } : {}),
  };
}
