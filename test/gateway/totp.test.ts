import { describe, expect, it } from 'vitest';
import { checkTotp, newTotpSecret, TOTP_DEFAULTS, totpCode, totpUri } from '../../src/gateway/totp.js';

/** RFC 6238 appendix B's SHA-1 seed, the ASCII "12345678901234567890", in base32. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const EIGHT_DIGITS = { ...TOTP_DEFAULTS, digits: 8 as const };

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
    [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
  ])('gives the RFC 6238 SHA-1 test vector at T = %i s', (t, code) => {
    expect(totpCode(RFC_SECRET, t * 1000, EIGHT_DIGITS)).toBe(code);
    expect(checkTotp(RFC_SECRET, code, t * 1000, undefined, EIGHT_DIGITS)).toEqual({ ok: true, step: Math.floor(t / 30) });
  });

  const secret = newTotpSecret();
  const T0 = Date.UTC(2026, 11, 6, 12, 0, 15); // 15 s into a step

  it('accepts the current code and those one step either side, and no further', () => {
    const step = Math.floor(T0 / 30_000);
    expect(checkTotp(secret, totpCode(secret, T0), T0)).toEqual({ ok: true, step });
    expect(checkTotp(secret, totpCode(secret, T0 - 30_000), T0)).toEqual({ ok: true, step: step - 1 });
    expect(checkTotp(secret, totpCode(secret, T0 + 30_000), T0)).toEqual({ ok: true, step: step + 1 });
    expect(checkTotp(secret, totpCode(secret, T0 - 60_000), T0)).toEqual({ ok: false, code: 'MFA_CODE_INVALID' });
    expect(checkTotp(secret, totpCode(secret, T0 + 60_000), T0)).toEqual({ ok: false, code: 'MFA_CODE_INVALID' });
  });

  it('uses a code once: the same code, or an older one, after an accepted step is refused as reused', () => {
    const now = checkTotp(secret, totpCode(secret, T0), T0);
    if (!now.ok) throw new Error('the current code must pass');
    expect(checkTotp(secret, totpCode(secret, T0), T0 + 1000, now.step)).toEqual({ ok: false, code: 'MFA_CODE_REUSED' });
    expect(checkTotp(secret, totpCode(secret, T0 - 30_000), T0, now.step)).toEqual({ ok: false, code: 'MFA_CODE_REUSED' });
    expect(checkTotp(secret, totpCode(secret, T0 + 30_000), T0 + 30_000, now.step)).toMatchObject({ ok: true, step: now.step + 1 });
  });

  it('refuses malformed codes and secrets without throwing', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456', '１２３４５６']) {
      expect(checkTotp(secret, code, T0)).toEqual({ ok: false, code: 'MFA_CODE_INVALID' });
    }
    expect(checkTotp('not base32!', '123456', T0)).toEqual({ ok: false, code: 'MFA_CODE_INVALID' });
    expect(checkTotp(secret, totpCode(newTotpSecret(), T0), T0)).toMatchObject({ ok: false });
  });

  it('makes 160-bit secrets and an otpauth URI an authenticator reads', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri(secret, 'ada@example.com', 'risk-engine'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('risk-engine');
  });
});
