import { randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { type Principal, issueToken, verifyToken } from '../../src/gateway/auth.js';
import { authorize } from '../../src/gateway/authorize.js';

const secret = randomBytes(32);
const aud = { issuer: 'risk-auth', audience: 'risk-gw' };

describe('issueToken / verifyToken', () => {
  it('round-trips subject, roles and portfolios', async () => {
    const t = await issueToken({ sub: 'alice', roles: ['trader'], portfolios: ['P1', 'P2'], ttlSeconds: 60 }, secret, aud);
    const r = await verifyToken(t, secret, aud);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.principal.sub).toBe('alice');
    expect([...r.principal.roles]).toEqual(['trader']);
    expect([...(r.principal.portfolios ?? [])]).toEqual(['P1', 'P2']);
  });

  it('maps portfolios ["*"] to every portfolio', async () => {
    const t = await issueToken({ sub: 'rm', roles: ['risk_manager'], portfolios: ['*'], ttlSeconds: 60 }, secret, aud);
    const r = await verifyToken(t, secret, aud);
    expect(r.ok && r.principal.portfolios).toBeNull();
  });

  it('refuses an expired token, a wrong audience, a wrong issuer and a wrong key with the jose code', async () => {
    const expired = await issueToken({ sub: 'a', roles: ['trader'], portfolios: ['P1'], ttlSeconds: -10 }, secret, aud);
    expect(await verifyToken(expired, secret, aud)).toMatchObject({ ok: false, code: 'ERR_JWT_EXPIRED' });
    const t = await issueToken({ sub: 'a', roles: ['trader'], portfolios: ['P1'], ttlSeconds: 60 }, secret, aud);
    expect(await verifyToken(t, secret, { ...aud, audience: 'other' })).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', reason: expect.stringContaining('aud') });
    expect(await verifyToken(t, secret, { ...aud, issuer: 'other' })).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    expect(await verifyToken(t, randomBytes(32), aud)).toMatchObject({ ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    expect(await verifyToken('garbage', secret, aud)).toMatchObject({ ok: false });
  });

  it('refuses a token signed with another algorithm (HS256 is pinned)', async () => {
    const t = await new jose.SignJWT({ roles: ['admin'], portfolios: ['*'] }).setProtectedHeader({ alg: 'HS512' })
      .setSubject('x').setIssuer(aud.issuer).setAudience(aud.audience).setExpirationTime('1m').sign(randomBytes(64));
    expect(await verifyToken(t, secret, aud)).toMatchObject({ ok: false, code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('refuses a token with an unknown role or without portfolios', async () => {
    const bad = await new jose.SignJWT({ roles: ['superuser'], portfolios: ['*'] }).setProtectedHeader({ alg: 'HS256' })
      .setSubject('x').setIssuer(aud.issuer).setAudience(aud.audience).setExpirationTime('1m').sign(secret);
    expect(await verifyToken(bad, secret, aud)).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIMS' });
    const none = await new jose.SignJWT({ roles: ['trader'] }).setProtectedHeader({ alg: 'HS256' })
      .setSubject('x').setIssuer(aud.issuer).setAudience(aud.audience).setExpirationTime('1m').sign(secret);
    expect(await verifyToken(none, secret, aud)).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIMS' });
  });
});

describe('authorize', () => {
  const who = (roles: Principal['roles'] extends ReadonlySet<infer R> ? R[] : never, portfolios: string[] | null): Principal => ({
    sub: 'x', roles: new Set(roles), portfolios: portfolios === null ? null : new Set(portfolios), expMs: Infinity,
  });

  it('lets a trader trade and read only its portfolios', () => {
    const t = who(['trader'], ['P1']);
    expect(authorize(t, 'trade', 'P1')).toBeNull();
    expect(authorize(t, 'read', 'P1')).toBeNull();
    expect(authorize(t, 'trade', 'P2')).toMatch(/does not cover portfolio P2/);
    expect(authorize(t, 'tick')).toMatch(/may not tick/);
    expect(authorize(t, 'limits', 'P1')).toMatch(/may not limits/);
  });

  it('gives feed ticks only, compliance read only, risk managers read and limits, admin everything but ticks', () => {
    expect(authorize(who(['feed'], []), 'tick')).toBeNull();
    expect(authorize(who(['feed'], []), 'read')).not.toBeNull();
    expect(authorize(who(['compliance_officer'], null), 'read', 'P9')).toBeNull();
    expect(authorize(who(['compliance_officer'], null), 'trade', 'P9')).not.toBeNull();
    expect(authorize(who(['risk_manager'], null), 'limits', 'P9')).toBeNull();
    expect(authorize(who(['risk_manager'], null), 'trade', 'P9')).not.toBeNull();
    expect(authorize(who(['risk_manager'], ['P1']), 'limits', 'P9')).not.toBeNull();
    for (const a of ['trade', 'read', 'limits', 'createPortfolio'] as const) expect(authorize(who(['admin'], []), a, 'P9')).toBeNull();
  });

  it('lets only the feed role send ticks: not admin, not a risk manager', () => {
    expect(authorize(who(['admin'], []), 'tick')).toMatch(/may not tick/);
    expect(authorize(who(['risk_manager'], null), 'tick')).toMatch(/may not tick/);
    expect(authorize(who(['admin', 'feed'], []), 'tick')).toBeNull();
  });
});
