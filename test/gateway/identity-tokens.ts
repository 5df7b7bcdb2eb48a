/**
 * A TokenService for the account-service tests: EdDSA JWTs (access: typ at+jwt; MFA: typ mfa+jwt,
 * its own audience) with jose, and the Principal an access token establishes, as the gateway
 * builds it. Replace with src/gateway/tokens.ts once that is on main.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { failure, ok, type Result } from '../../src/engine/result.js';
import { checkedGrants } from '../../src/gateway/identity/grants.js';
import type { AccessClaims, AuthMethod, Grant, Principal, TokenRefusal, TokenService } from '../../src/gateway/identity/ports.js';

const ISS = 'risk-engine';
const AUD = 'risk-engine';

export class TestTokens implements TokenService {
  private readonly keys = generateKeyPairSync('ed25519');

  issueAccess(claims: AccessClaims, ttlSeconds: number, nowMs: number): Promise<string> {
    return this.sign('at+jwt', AUD, { grants: claims.grants, amr: claims.amr, ...(claims.sid !== undefined ? { sid: claims.sid } : {}) }, claims.sub, ttlSeconds, nowMs);
  }

  issueMfa(sub: string, ttlSeconds: number, nowMs: number): Promise<string> {
    return this.sign('mfa+jwt', `${AUD}:mfa`, {}, sub, ttlSeconds, nowMs);
  }

  async verifyMfa(token: string, nowMs: number): Promise<Result<{ readonly sub: string }, TokenRefusal>> {
    const r = await this.check(token, 'mfa+jwt', `${AUD}:mfa`, nowMs);
    return r.ok ? ok({ sub: r.value.sub as string }) : r;
  }

  /** The principal of an access token, as the gateway would establish it. */
  async principal(token: string, nowMs: number): Promise<Principal> {
    const r = await this.check(token, 'at+jwt', AUD, nowMs);
    if (!r.ok) throw new Error(`access token refused: ${r.message}`);
    const c = r.value as { sub: string; grants: Grant[]; amr: AuthMethod[]; sid?: string; exp: number };
    return {
      sub: c.sub, grants: checkedGrants(c.grants), roles: new Set(c.grants.map((g) => g.role)), expMs: c.exp * 1000, amr: c.amr, via: 'token',
      ...(c.sid !== undefined ? { sessionId: c.sid } : {}),
    };
  }

  jwks(): { readonly keys: readonly Record<string, unknown>[] } {
    return { keys: [this.keys.publicKey.export({ format: 'jwk' }) as Record<string, unknown>] };
  }

  private sign(typ: string, aud: string, payload: jose.JWTPayload, sub: string, ttlSeconds: number, nowMs: number): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new jose.SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ }).setSubject(sub).setIssuer(ISS).setAudience(aud)
      .setIssuedAt(iat).setExpirationTime(iat + ttlSeconds).sign(this.keys.privateKey);
  }

  private async check(token: string, typ: string, aud: string, nowMs: number): Promise<Result<jose.JWTPayload, TokenRefusal>> {
    try {
      const { payload } = await jose.jwtVerify(token, this.keys.publicKey, { algorithms: ['EdDSA'], issuer: ISS, audience: aud, typ, currentDate: new Date(nowMs) });
      return ok(payload);
    } catch (e) {
      return failure(e instanceof jose.errors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID', String((e as Error).message));
    }
  }
}
