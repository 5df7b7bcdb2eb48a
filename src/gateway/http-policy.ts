/**
 * What every HTTP answer carries, and which browser origins may call us (CORS) or open a websocket.
 * Built once from the gateway's options; the per-answer work is writing a fixed list of headers.
 */

/** Sent on every answer: nothing here is a page, a script or something a cache should keep. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['cache-control', 'no-store'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['referrer-policy', 'no-referrer'],
];

/**
 * Sent when clients reach us over HTTPS (we terminate TLS, or a declared proxy does): a browser that
 * has seen it uses only https:// for this host, and its subdomains, for a year.
 */
export const STRICT_TRANSPORT_SECURITY: readonly [string, string] = ['strict-transport-security', 'max-age=31536000; includeSubDomains'];

/** Request headers a browser may send cross-origin (answered in a preflight). */
const CORS_ALLOWED_HEADERS = 'authorization, content-type';
/** How long a browser may cache a preflight answer, seconds. */
const CORS_MAX_AGE_S = '600';

export interface HttpPolicyOptions {
  /** Exact origins (scheme://host[:port]) allowed to call the REST routes and open the websocket from a browser. */
  readonly corsOrigins?: readonly string[];
  /** Extra headers on every answer (Strict-Transport-Security when TLS is on). */
  readonly extraHeaders?: readonly (readonly [string, string])[];
  /**
   * A browser page served by this engine (the dashboard) may open the websocket: an Origin naming
   * the host the request was sent to is allowed. Its tokens are bearer tokens in the page's memory,
   * never cookies, so a page of another origin gains nothing from a socket it could open anyway.
   */
  readonly allowSameOrigin?: boolean;
}

export class HttpPolicy {
  readonly headers: readonly (readonly [string, string])[];
  private readonly origins: ReadonlySet<string>;
  private readonly sameOrigin: boolean;

  constructor(o: HttpPolicyOptions = {}) {
    this.headers = [...SECURITY_HEADERS, ...(o.extraHeaders ?? [])];
    this.origins = new Set((o.corsOrigins ?? []).map((s) => s.toLowerCase()));
    this.sameOrigin = o.allowSameOrigin ?? false;
  }

  /**
   * An Origin header a browser sent: allowed when it is in the list, or (allowSameOrigin) when it
   * names `host`, the request's Host header (absent = not a browser: allowed).
   */
  originAllowed(origin: string, host = ''): boolean {
    if (origin === '') return true;
    const o = origin.toLowerCase();
    if (this.origins.has(o)) return true;
    if (!this.sameOrigin || host === '') return false;
    const h = host.toLowerCase();
    return o === `http://${h}` || o === `https://${h}`;
  }

  /** Headers that let a browser on `origin` read the answer; none for a foreign or absent origin. */
  corsHeaders(origin: string): readonly (readonly [string, string])[] {
    if (origin === '' || !this.origins.has(origin.toLowerCase())) return NONE;
    return [['access-control-allow-origin', origin], ['vary', 'Origin']];
  }

  /** The answer to a CORS preflight for a route allowing `methods`. */
  preflightHeaders(origin: string, methods: string): readonly (readonly [string, string])[] {
    const base = this.corsHeaders(origin);
    if (base.length === 0) return base;
    return [...base, ['access-control-allow-methods', methods], ['access-control-allow-headers', CORS_ALLOWED_HEADERS], ['access-control-max-age', CORS_MAX_AGE_S]];
  }
}

const NONE: readonly (readonly [string, string])[] = [];
