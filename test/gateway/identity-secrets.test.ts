/** The shapes of the secrets the account service hands out, and that only those shapes are read back. */
import { describe, expect, it } from 'vitest';
import {
  backupCodeHash, newApiKey, newBackupCode, newRefreshToken, newSessionId, normaliseBackupCode, parseApiKey, refreshTokenSession, sameHash, sha256Hex,
} from '../../src/gateway/identity/secrets.js';

describe('identity secrets', () => {
  it('reads the session id back out of a refresh token, and nothing out of anything else', () => {
    const sid = newSessionId();
    const token = newRefreshToken(sid);
    expect(refreshTokenSession(token)).toBe(sid);
    expect(refreshTokenSession(`${token}x`)).toBeUndefined();
    expect(refreshTokenSession(`${sid}.short`)).toBeUndefined();
    expect(refreshTokenSession('')).toBeUndefined();
  });

  it('makes API keys whose secret only its hash is kept of, and parses only that shape', () => {
    const k = newApiKey();
    expect(k.key).toMatch(/^ak_[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(k.key)).toEqual({ id: k.id, secretHash: k.secretHash });
    expect(k.secretHash).toBe(sha256Hex(k.key.split('.')[1] as string));
    expect(parseApiKey(`${k.key} `)).toBeUndefined();
    expect(parseApiKey(k.key.replace('ak_', 'xk_'))).toBeUndefined();
    expect(newApiKey().key).not.toBe(k.key);
  });

  it('accepts a backup code however it is typed, and binds its hash to the user', () => {
    const code = newBackupCode();
    expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const n = normaliseBackupCode(code) as string;
    expect(normaliseBackupCode(` ${code.toUpperCase().replaceAll('-', ' ')} `)).toBe(n);
    expect(normaliseBackupCode('123456')).toBeUndefined();
    expect(backupCodeHash('u1', n)).not.toBe(backupCodeHash('u2', n));
  });

  it('compares hashes in full and refuses empty or different ones', () => {
    const h = sha256Hex('x');
    expect(sameHash(h, sha256Hex('x'))).toBe(true);
    expect(sameHash(h, sha256Hex('y'))).toBe(false);
    expect(sameHash('', '')).toBe(false);
    expect(sameHash(h, h.slice(0, 62))).toBe(false);
  });
});
