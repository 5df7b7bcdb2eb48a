/**
 * Access and MFA tokens (src/gateway/tokens.ts) over a real signing-key directory: what is accepted,
 * and each way a token is refused, with its code.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { SigningKeyRing, addKeyFile } from '../../src/gateway/signing-keys.js';
import { Tokens, principalOf } from '../../src/gateway/tokens.js';

const dirs: string[] = [];
function keyDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'risk-tokens-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const NOW = Date.UTC(2026, 11, 6, 18, 0, 0);
const settings = { issuer: 'risk-auth', audience: 'risk-gw' };

function service(dir = keyDir(), refreshMs = 10_000, clock = { nowMs: () => NOW }) {
  const keys = SigningKeyRing.open({ dir, createIfEmpty: true, refreshMs, clock });
  return { keys, tokens: new Tokens({ keys, ...settings }), dir };
}

const claims = { sub: 'alice', grants: [{ role: 'trader' as const, portfolios: ['P1', 'P2'] }, { role: 'risk_manager' as const, portfolios: ['*'] }], amr: ['pwd', 'otp'] as const, sid: 's-1' };

/** A JWT signed by `key` with the given header and claims, for the refusals. */
function forge(header: jose.JWTHeaderParameters, payload: jose.JWTPayload, key: Uint8Array | import('node:crypto').KeyObject): Promise<string> {
  return new jose.SignJWT(payload).setProtectedHeader(header).sign(key);
}

const base = (overrides: jose.JWTPayload = {}): jose.JWTPayload => ({
  sub: 'mallory', iss: settings.issuer, aud: settings.audience, iat: NOW / 1000, exp: NOW / 1000 + 60,
  grants: [{ role: 'admin', portfolios: ['*'] }], amr: ['pwd'], ...overrides,
});

describe('access tokens', () => {
  it('carry the grants, the session and how the holder signed in, as a Principal', async () => {
    const { tokens } = service();
    const t = await tokens.issueAccess(claims, 60, NOW);
    const r = await tokens.verifyAccess(t, NOW + 1000);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = r.value;
    expect(p).toMatchObject({ sub: 'alice', sessionId: 's-1', amr: ['pwd', 'otp'], via: 'token', expMs: Math.floor(NOW / 1000) * 1000 + 60_000 });
    expect(p.grants.map((g) => [g.role, g.portfolios === null ? null : [...g.portfolios]])).toEqual([['trader', ['P1', 'P2']], ['risk_manager', null]]);
    expect([...p.roles]).toEqual(['trader', 'risk_manager']);
    const header = jose.decodeProtectedHeader(t);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(header.kid).toMatch(/^ed25519-\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}$/);
  });

  it('build the same Principal an API key builds with principalOf', () => {
    const p = principalOf({ sub: 'bot', grants: [{ role: 'feed', portfolios: [] }], expMs: 5, amr: ['apikey'], via: 'apiKey' });
    expect(p).toMatchObject({ sub: 'bot', expMs: 5, amr: ['apikey'], via: 'apiKey' });
    expect(p.sessionId).toBeUndefined();
    expect([...p.roles]).toEqual(['feed']);
  });

  it('publish every key of the directory in the JWKS, public parts only', () => {
    const { tokens, keys } = service();
    const jwks = tokens.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: keys.kids()[0], alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('a token is refused', () => {
  const { tokens, keys } = service();
  const key = () => keys.signingKey();
  const header = () => ({ alg: 'EdDSA', typ: 'at+jwt', kid: key().kid });

  it('with alg none (TOKEN_INVALID, algorithm named)', async () => {
    const none = `${jose.base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: key().kid }))}.${jose.base64url.encode(JSON.stringify(base()))}.`;
    expect(await tokens.verifyAccess(none, NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('algorithm none') });
  });

  it('when HMAC-signed with the public key’s bytes (algorithm confusion)', async () => {
    const publicPem = key().publicKey.export({ format: 'pem', type: 'spki' });
    const h = jose.base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: key().kid }));
    const b = jose.base64url.encode(JSON.stringify(base()));
    const sig = createHmac('sha256', publicPem).update(`${h}.${b}`).digest('base64url');
    expect(await tokens.verifyAccess(`${h}.${b}.${sig}`, NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('algorithm HS256') });
  });

  it('when signed by a key the engine does not hold, under a known kid or an unknown one', async () => {
    const stranger = service();
    const strangerKey = stranger.keys.signingKey().privateKey;
    expect(await tokens.verifyAccess(await forge(header(), base(), strangerKey), NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('signature') });
    const foreign = await stranger.tokens.issueAccess(claims, 60, NOW);
    expect(await tokens.verifyAccess(foreign, NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('unknown key id') });
    expect(await tokens.verifyAccess(await forge({ alg: 'EdDSA', typ: 'at+jwt' }, base(), key().privateKey), NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('kid') });
  });

  it('for another audience or another issuer', async () => {
    expect(await tokens.verifyAccess(await forge(header(), base({ aud: 'elsewhere' }), key().privateKey), NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('claim aud') });
    expect(await tokens.verifyAccess(await forge(header(), base({ iss: 'someone' }), key().privateKey), NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('claim iss') });
  });

  it('once expired (TOKEN_EXPIRED)', async () => {
    const t = await tokens.issueAccess(claims, 60, NOW);
    expect(await tokens.verifyAccess(t, NOW + 61_000)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it('without iat, exp or sub', async () => {
    for (const missing of ['iat', 'exp', 'sub']) {
      const payload = base();
      delete payload[missing];
      expect(await tokens.verifyAccess(await forge(header(), payload, key().privateKey), NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining(missing) });
    }
  });

  it('when it is an MFA token used as an access token, and the other way round (TOKEN_WRONG_TYPE)', async () => {
    const mfa = await tokens.issueMfa('alice', 300, NOW);
    expect(await tokens.verifyAccess(mfa, NOW)).toMatchObject({ ok: false, code: 'TOKEN_WRONG_TYPE' });
    const access = await tokens.issueAccess(claims, 60, NOW);
    expect(await tokens.verifyMfa(access, NOW)).toMatchObject({ ok: false, code: 'TOKEN_WRONG_TYPE' });
    expect(await tokens.verifyMfa(mfa, NOW)).toEqual({ ok: true, value: { sub: 'alice' } });
    // The audiences differ too: an MFA token relabelled as an access token still fails.
    const payload = jose.decodeJwt(mfa);
    expect(await tokens.verifyAccess(await forge(header(), { ...payload, grants: [{ role: 'admin', portfolios: ['*'] }], amr: ['pwd'] }, key().privateKey), NOW))
      .toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('claim aud') });
  });

  it('with malformed grants: unknown role, no grants, a portfolio list that is not one', async () => {
    for (const grants of [[{ role: 'superuser', portfolios: ['*'] }], [], [{ role: 'trader', portfolios: 'P1' }], undefined]) {
      const r = await tokens.verifyAccess(await forge(header(), base({ grants }), key().privateKey), NOW);
      expect(r).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('claims invalid at grants') });
    }
    expect(await tokens.verifyAccess('not.a.jwt', NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    expect(await tokens.verifyAccess('garbage', NOW)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });
});

describe('key rotation', () => {
  it('keeps a token of the previous key valid after a new key signs, until the old key is retired', async () => {
    let now = NOW;
    const clock = { nowMs: () => now };
    const { tokens, keys, dir } = service(keyDir(), 1000, clock);
    const [oldKid] = keys.kids();
    const before = await tokens.issueAccess(claims, 3600, now);

    const added = addKeyFile(dir, now + 2000);
    // The new file's time as the clock sees it: written "now".
    utimesSync(join(dir, `${added.kid}.pem`), now / 1000, now / 1000);
    now += 1000; // a re-read is due: the new key is trusted, and its file is refreshMs old, so it signs.
    const after = await tokens.issueAccess(claims, 3600, now);
    expect(jose.decodeProtectedHeader(after).kid).toBe(added.kid);
    expect(jose.decodeProtectedHeader(before).kid).toBe(oldKid);
    expect(tokens.jwks().keys.map((k) => k.kid)).toEqual([oldKid, added.kid]);
    expect((await tokens.verifyAccess(before, now)).ok).toBe(true);
    expect((await tokens.verifyAccess(after, now)).ok).toBe(true);

    rmSync(join(dir, `${oldKid}.pem`));
    now += 1000;
    expect(await tokens.verifyAccess(before, now)).toMatchObject({ ok: false, code: 'TOKEN_INVALID', message: expect.stringContaining('unknown key id') });
    expect((await tokens.verifyAccess(after, now)).ok).toBe(true);
  });

  it('does not sign with a key younger than one re-read, so every engine trusts it first', async () => {
    let now = NOW;
    const { tokens, keys, dir } = service(keyDir(), 10_000, { nowMs: () => now });
    const [oldKid] = keys.kids();
    const added = addKeyFile(dir, now);
    utimesSync(join(dir, `${added.kid}.pem`), now / 1000, now / 1000);
    now += 10_000;
    keys.refresh();
    // Its file is exactly one re-read interval old: it signs.
    expect(jose.decodeProtectedHeader(await tokens.issueAccess(claims, 60, now)).kid).toBe(added.kid);
    const younger = addKeyFile(dir, now + 5000);
    utimesSync(join(dir, `${younger.kid}.pem`), (now - 1000) / 1000, (now - 1000) / 1000);
    keys.refresh();
    expect(keys.kids()).toContain(younger.kid);
    expect(jose.decodeProtectedHeader(await tokens.issueAccess(claims, 60, now)).kid).toBe(added.kid);
    expect(oldKid).not.toBe(added.kid);
  });
});
