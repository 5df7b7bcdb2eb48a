/**
 * Tokens for an engine started as a separate process (serve, startApp): the signing-key directory it
 * will load (made here with a key when empty, as development does), and a minter signing with it.
 */
import { join } from 'node:path';
import type { Role } from '../../src/gateway/identity/ports.js';
import { SigningKeyRing } from '../../src/gateway/signing-keys.js';
import { JWT_DEFAULTS, Tokens } from '../../src/gateway/tokens.js';

export type Mint = (sub: string, roles: readonly Role[], portfolios: readonly string[], ttlSeconds?: number) => Promise<string>;

/** The default signing-key directory of an engine whose DATA_DIR is `dataDir`. */
export const keysDirOf = (dataDir: string): string => join(dataDir, 'signing-keys');

/** A minter over `keysDir` (created with a key when empty): each role granted on `portfolios`. */
export function minter(keysDir: string, jwt: { readonly issuer: string; readonly audience: string } = JWT_DEFAULTS): Mint {
  const tokens = new Tokens({ keys: SigningKeyRing.open({ dir: keysDir, createIfEmpty: true }), ...jwt });
  return (sub, roles, portfolios, ttlSeconds = 600) =>
    tokens.issueAccess({ sub, grants: roles.map((role) => ({ role, portfolios })), amr: ['dev'] }, ttlSeconds, Date.now());
}
