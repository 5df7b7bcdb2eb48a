/**
 * JWTs at the edge: HS256 only, exp/nbf/iss/aud checked by jose. A websocket verifies once per
 * connection, never per message (a verification costs hundreds of µs; a KeyObject is the faster key).
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import * as z from 'zod';

export const ROLES = ['trader', 'risk_manager', 'compliance_officer', 'admin', 'feed'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** The claims we rely on, beyond the registered ones jose checks. */
export const TokenClaims = z.object({
  sub: z.string().min(1).max(128),
  roles: z.array(Role).min(1).max(ROLES.length),
  /** Portfolio ids the holder may trade or watch; ["*"] = all. */
  portfolios: z.array(z.string().min(1).max(64)).max(10_000),
  exp: z.number(),
});

/** Who is calling, as established by a verified token. */
export interface Principal {
  readonly sub: string;
  readonly roles: ReadonlySet<Role>;
  /** null = every portfolio ("*"). */
  readonly portfolios: ReadonlySet<string> | null;
  /** Token expiry, epoch ms. */
  readonly expMs: number;
}

/** Issuer and audience the engine signs and verifies tokens for; src/config.ts maps RISK_ENGINE_JWT_ISSUER and RISK_ENGINE_JWT_AUDIENCE onto them. */
export const JWT_DEFAULTS = Object.freeze({ issuer: 'risk-engine', audience: 'risk-engine' });

export interface JwtSettings {
  readonly secret: Uint8Array | KeyObject;
  readonly issuer: string;
  readonly audience: string;
}

export interface IssueRequest {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly portfolios: readonly string[];
  readonly ttlSeconds: number;
}

export type VerifyResult = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly code: string; readonly reason: string };

const ALGORITHMS = ['HS256'];

/** A KeyObject verifies about twice as fast as raw bytes; convert once. */
export function toKey(secret: Uint8Array | KeyObject): KeyObject {
  return secret instanceof Uint8Array ? createSecretKey(secret) : secret;
}

export async function issueToken(req: IssueRequest, secret: Uint8Array | KeyObject, opts: { issuer: string; audience: string }): Promise<string> {
  return new jose.SignJWT({ roles: [...req.roles], portfolios: [...req.portfolios] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(req.sub)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + req.ttlSeconds)
    .sign(toKey(secret));
}

export async function verifyToken(token: string, secret: Uint8Array | KeyObject, opts: { issuer: string; audience: string }): Promise<VerifyResult> {
  let payload: jose.JWTPayload;
  try {
    ({ payload } = await jose.jwtVerify(token, secret, { algorithms: ALGORITHMS, issuer: opts.issuer, audience: opts.audience, requiredClaims: ['exp', 'sub'] }));
  } catch (e) {
    const code = e instanceof jose.errors.JOSEError ? e.code : 'ERR_JWT_INVALID';
    const claim = e instanceof jose.errors.JWTClaimValidationFailed || e instanceof jose.errors.JWTExpired ? ` (claim ${e.claim})` : '';
    return { ok: false, code, reason: `token refused: ${code}${claim}` };
  }
  const claims = TokenClaims.safeParse(payload);
  if (!claims.success) {
    const issue = claims.error.issues[0];
    return { ok: false, code: 'ERR_JWT_CLAIMS', reason: `token claims invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}` };
  }
  const c = claims.data;
  return {
    ok: true,
    principal: { sub: c.sub, roles: new Set(c.roles), portfolios: c.portfolios.includes('*') ? null : new Set(c.portfolios), expMs: c.exp * 1000 },
  };
}

/** `Authorization: Bearer <token>` → the token, or undefined. */
export function bearerToken(header: string): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/**
 * Verifies with a small cache so a REST client sending the same token on every request pays for
 * jose once. Entries live until the token's exp; the cache is cleared when it reaches its size.
 */
export class TokenVerifier {
  private readonly key: KeyObject;
  private readonly cache = new Map<string, Principal>();
  constructor(private readonly settings: JwtSettings, private readonly maxEntries = 1024) {
    this.key = toKey(settings.secret);
  }

  /** The principal of a token verified before and not expired, without waiting for jose. */
  peek(token: string, nowMs: number): Principal | undefined {
    const hit = this.cache.get(token);
    return hit !== undefined && hit.expMs > nowMs ? hit : undefined;
  }

  async verify(token: string, nowMs: number, useCache: boolean): Promise<VerifyResult> {
    if (useCache) {
      const hit = this.cache.get(token);
      if (hit && hit.expMs > nowMs) return { ok: true, principal: hit };
    }
    const r = await verifyToken(token, this.key, this.settings);
    if (r.ok && useCache) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(token, r.principal);
    }
    return r;
  }
}
