/**
 * The engine's tokens: JWTs signed with EdDSA (Ed25519) by the signing-key ring, each naming its key
 * (`kid`). Two kinds, each refused where the other is expected (their `typ` and audience differ):
 *   access (typ at+jwt, aud <audience>)     → grants, optional session id, how the holder signed in
 *   mfa    (typ mfa+jwt, aud <audience>:mfa) → can only finish a login with a second factor
 *
 * Only EdDSA is accepted, so neither `alg: none` nor an HMAC keyed with the public key's bytes (alg
 * confusion) can pass; the key is chosen by kid among the ring's keys, never taken from the token.
 * A verification costs tens of µs of Ed25519 (see the report of issue 14); the REST path keeps a small
 * cache so a client sending the same token on every request pays for it once.
 */
import * as jose from 'jose';
import * as z from 'zod';
import { type Result, failure, ok } from '../engine/result.js';
import {
  ALL_PORTFOLIOS, type AccessClaims, type AuthMethod, type CheckedGrant, type Grant, type Principal, ROLES, type Role, type TokenRefusal, type TokenService,
} from './identity/ports.js';
import type { SigningKeyRing } from './signing-keys.js';

/** Issuer and audience the engine signs and verifies tokens for (RISK_ENGINE_JWT_ISSUER, RISK_ENGINE_JWT_AUDIENCE). */
export const JWT_DEFAULTS = Object.freeze({ issuer: 'risk-engine', audience: 'risk-engine' });

export const ACCESS_TYP = 'at+jwt';
export const MFA_TYP = 'mfa+jwt';
const ALG = 'EdDSA';

export interface TokenSettings {
  readonly keys: SigningKeyRing;
  readonly issuer: string;
  readonly audience: string;
}

export const GrantClaim = z.strictObject({
  role: z.enum(ROLES),
  /** Portfolio ids, or "*" for all. */
  portfolios: z.array(z.string().min(1).max(64)).max(10_000),
});

const AUTH_METHODS = ['pwd', 'otp', 'backup', 'apikey', 'dev'] as const satisfies readonly AuthMethod[];

/** The claims of an access token beyond those jose checks (iss, aud, iat, exp, typ). */
export const AccessTokenClaims = z.object({
  sub: z.string().min(1).max(128),
  grants: z.array(GrantClaim).min(1).max(64),
  sid: z.string().min(1).max(128).optional(),
  amr: z.array(z.enum(AUTH_METHODS)).max(8),
  exp: z.number(),
});

const MfaTokenClaims = z.object({ sub: z.string().min(1).max(128) });

/** The Principal of some grants, as tokens and API keys both build it. */
export function principalOf(input: {
  readonly sub: string;
  readonly grants: readonly Grant[];
  readonly expMs: number;
  readonly amr: readonly AuthMethod[];
  readonly via: Principal['via'];
  readonly sessionId?: string;
}): Principal {
  const grants: CheckedGrant[] = input.grants.map((g) => ({ role: g.role, portfolios: g.portfolios.includes(ALL_PORTFOLIOS) ? null : new Set(g.portfolios) }));
  return {
    sub: input.sub,
    grants,
    roles: new Set<Role>(grants.map((g) => g.role)),
    expMs: input.expMs,
    amr: [...input.amr],
    via: input.via,
    ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
  };
}

/** Grants as the wire shows them (the websocket's `authenticated`): "*" for every portfolio. */
export function grantsOut(p: Principal): Grant[] {
  return p.grants.map((g) => ({ role: g.role, portfolios: g.portfolios === null ? [ALL_PORTFOLIOS] : [...g.portfolios] }));
}

type Kind = { readonly typ: string; readonly audience: string; readonly name: string };

export class Tokens implements TokenService {
  private readonly access: Kind;
  private readonly mfa: Kind;
  private readonly cache = new Map<string, Principal>();
  private cacheVersion: number;
  /** Access tokens refused, by code, since start (GET /metrics). */
  readonly refusals: Record<TokenRefusal, number> = { TOKEN_INVALID: 0, TOKEN_EXPIRED: 0, TOKEN_WRONG_TYPE: 0 };

  constructor(private readonly settings: TokenSettings, private readonly maxCacheEntries = 1024) {
    this.access = { typ: ACCESS_TYP, audience: settings.audience, name: 'access' };
    this.mfa = { typ: MFA_TYP, audience: `${settings.audience}:mfa`, name: 'MFA' };
    this.cacheVersion = settings.keys.version;
  }

  get issuer(): string {
    return this.settings.issuer;
  }

  get audience(): string {
    return this.settings.audience;
  }

  issueAccess(claims: AccessClaims, ttlSeconds: number, nowMs: number): Promise<string> {
    const payload: jose.JWTPayload = { grants: claims.grants.map((g) => ({ role: g.role, portfolios: [...g.portfolios] })), amr: [...claims.amr] };
    if (claims.sid !== undefined) payload.sid = claims.sid;
    return this.sign(this.access, payload, claims.sub, ttlSeconds, nowMs);
  }

  issueMfa(sub: string, ttlSeconds: number, nowMs: number): Promise<string> {
    return this.sign(this.mfa, { amr: ['pwd'] }, sub, ttlSeconds, nowMs);
  }

  private sign(kind: Kind, payload: jose.JWTPayload, sub: string, ttlSeconds: number, nowMs: number): Promise<string> {
    const key = this.settings.keys.signingKey();
    const iat = Math.floor(nowMs / 1000);
    return new jose.SignJWT(payload)
      .setProtectedHeader({ alg: ALG, typ: kind.typ, kid: key.kid })
      .setSubject(sub)
      .setIssuer(this.settings.issuer)
      .setAudience(kind.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(key.privateKey);
  }

  /** The principal of a token verified before (same keys), not yet expired, without waiting. */
  peek(token: string, nowMs: number): Principal | undefined {
    // A retired key's tokens must stop at the next re-read, cached or not.
    this.settings.keys.refreshIfDue();
    if (this.cacheVersion !== this.settings.keys.version) return undefined;
    const hit = this.cache.get(token);
    return hit !== undefined && hit.expMs > nowMs ? hit : undefined;
  }

  /** The principal of a valid access token, or why it is refused (code + a reason for people). */
  async verifyAccess(token: string, nowMs: number): Promise<Result<Principal, TokenRefusal>> {
    const r = await this.checkAccess(token, nowMs);
    if (!r.ok) this.refusals[r.code] += 1;
    return r;
  }

  private async checkAccess(token: string, nowMs: number): Promise<Result<Principal, TokenRefusal>> {
    const hit = this.peek(token, nowMs);
    if (hit !== undefined) return ok(hit);
    const r = await this.verify(this.access, this.mfa, token, nowMs);
    if (!r.ok) return r;
    const c = AccessTokenClaims.safeParse(r.value);
    if (!c.success) {
      const issue = c.error.issues[0];
      return failure('TOKEN_INVALID', `token claims invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    const claims = c.data;
    const principal = principalOf({
      sub: claims.sub, grants: claims.grants, expMs: claims.exp * 1000, amr: claims.amr, via: 'token', ...(claims.sid !== undefined ? { sessionId: claims.sid } : {}),
    });
    this.remember(token, principal);
    return ok(principal);
  }

  async verifyMfa(token: string, nowMs: number): Promise<Result<{ readonly sub: string }, TokenRefusal>> {
    const r = await this.verify(this.mfa, this.access, token, nowMs);
    if (!r.ok) return r;
    const c = MfaTokenClaims.safeParse(r.value);
    if (!c.success) return failure('TOKEN_INVALID', 'MFA token claims invalid at sub');
    return ok({ sub: c.data.sub });
  }

  jwks(): { readonly keys: readonly Record<string, unknown>[] } {
    return { keys: this.settings.keys.publicJwks() };
  }

  private remember(token: string, p: Principal): void {
    if (this.cacheVersion !== this.settings.keys.version) {
      this.cache.clear();
      this.cacheVersion = this.settings.keys.version;
    }
    if (this.cache.size >= this.maxCacheEntries) this.cache.clear();
    this.cache.set(token, p);
  }

  /** Header checks first (cheap, and they give the clearest reasons), then jose: signature and registered claims. */
  private async verify(kind: Kind, other: Kind, token: string, nowMs: number): Promise<Result<jose.JWTPayload, TokenRefusal>> {
    let header: jose.ProtectedHeaderParameters;
    try {
      header = jose.decodeProtectedHeader(token);
    } catch {
      return failure('TOKEN_INVALID', 'token refused: not a signed JWT (header.payload.signature)');
    }
    if (header.alg !== ALG) return failure('TOKEN_INVALID', `token refused: algorithm ${String(header.alg).slice(0, 16)} is not accepted (only ${ALG})`);
    if (header.typ !== kind.typ) {
      if (header.typ === other.typ) return failure('TOKEN_WRONG_TYPE', `token refused: an ${other.name} token (typ ${other.typ}) where an ${kind.name} token (typ ${kind.typ}) is expected`);
      return failure('TOKEN_INVALID', `token refused: header typ must be ${kind.typ}`);
    }
    if (typeof header.kid !== 'string') return failure('TOKEN_INVALID', 'token refused: header kid (key id) missing');
    const key = this.settings.keys.find(header.kid);
    if (key === undefined) return failure('TOKEN_INVALID', `token refused: unknown key id ${header.kid.slice(0, 64)}`);
    try {
      const { payload } = await jose.jwtVerify(token, key.publicKey, {
        algorithms: [ALG], issuer: this.settings.issuer, audience: kind.audience, typ: kind.typ,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'sub'], currentDate: new Date(nowMs),
      });
      return ok(payload);
    } catch (e) {
      if (e instanceof jose.errors.JWTExpired) return failure('TOKEN_EXPIRED', 'token refused: expired (claim exp)');
      if (e instanceof jose.errors.JWTClaimValidationFailed) return failure('TOKEN_INVALID', `token refused: claim ${e.claim} ${e.reason === 'missing' ? 'missing' : 'invalid'}`);
      if (e instanceof jose.errors.JWSSignatureVerificationFailed) return failure('TOKEN_INVALID', `token refused: signature does not verify with key ${key.kid}`);
      const code = e instanceof jose.errors.JOSEError ? e.code : 'ERR_JWT_INVALID';
      return failure('TOKEN_INVALID', `token refused: ${code}`);
    }
  }
}
