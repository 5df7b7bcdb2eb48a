import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordProblem, SCRYPT_PARAMS, verifyPassword } from '../../src/gateway/passwords.js';

const ADA = { email: 'Ada.Lovelace@example.com', displayName: 'Ada Lovelace' };

describe('password policy', () => {
  it('accepts a long password unrelated to the account', () => {
    expect(passwordProblem('correct horse battery staple', ADA)).toBeNull();
    expect(passwordProblem('Tr0ub4dor&3-ish-but-longer', ADA)).toBeNull();
  });

  it('counts characters as a user does: 12 at least, 1,024 at most', () => {
    expect(passwordProblem('short-pw-11', ADA)).toMatchObject({ code: 'PASSWORD_TOO_SHORT' });
    expect(passwordProblem('ünïcödé-ñämé', ADA)).toBeNull(); // 12 code points, more bytes
    expect(passwordProblem('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', ADA)).toMatchObject({ code: 'PASSWORD_TOO_SHORT' }); // 11 code points, 22 UTF-16 units
    expect(passwordProblem('x'.repeat(1025) + 'y', ADA)).toMatchObject({ code: 'PASSWORD_TOO_LONG' });
  });

  it('refuses the email, its local part or the name, alone or inside the password, in any case', () => {
    for (const pw of ['ada.lovelace@example.com', 'ADA.LOVELACE2026!', 'my name is AdaLovelace', 'ada lovelace 1815']) {
      expect(passwordProblem(pw, ADA)).toMatchObject({ code: 'PASSWORD_IS_PERSONAL' });
    }
  });

  it('refuses passwords from the common-password list, whatever their case', () => {
    for (const pw of ['123qweasdzxc', '1qaz2wsx3edc', 'QWERTY123456']) {
      expect(passwordProblem(pw, ADA)).toMatchObject({ code: 'PASSWORD_TOO_COMMON' });
    }
  });
});

describe('password storage (scrypt)', () => {
  it('verifies the password it hashed and no other, with the parameters written into the hash', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const { log2N, r, p } = SCRYPT_PARAMS;
    expect(stored).toMatch(new RegExp(`^scrypt\\$${log2N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('salts every hash: the same password twice gives two different hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same password here'), hashPassword('same password here')]);
    expect(a).not.toBe(b);
  });

  it('treats a malformed or hostile stored hash as no match, without throwing or running away', async () => {
    const good = await hashPassword('correct horse battery staple');
    const parts = good.split('$');
    for (const bad of ['', 'plain', 'bcrypt$2b$10$x', ['scrypt', 30, 8, 1, parts[4], parts[5]].join('$'), ['scrypt', 15, 8, 1, '', parts[5]].join('$')]) {
      expect(await verifyPassword('correct horse battery staple', bad)).toBe(false);
      expect(needsRehash(bad)).toBe(true);
    }
  });

  it('asks for a re-hash of a hash made with weaker parameters, which still verifies', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('correct horse battery staple', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const weaker = ['scrypt', 14, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    expect(await verifyPassword('correct horse battery staple', weaker)).toBe(true);
    expect(needsRehash(weaker)).toBe(true);
  });
});
