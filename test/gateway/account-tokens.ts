/**
 * The engine's own tokens (src/gateway/tokens.ts) over a fresh signing-key directory, for tests that
 * call the account service directly, and the Principal an access token establishes, as the gateway
 * verifies it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../../src/gateway/identity/ports.js';
import { SigningKeyRing } from '../../src/gateway/signing-keys.js';
import { JWT_DEFAULTS, Tokens } from '../../src/gateway/tokens.js';

export interface AccountTokens {
  readonly tokens: Tokens;
  /** The principal of an access token at `nowMs`; throws when it is refused. */
  principal(accessToken: string, nowMs: number): Promise<Principal>;
  remove(): void;
}

export function accountTokens(): AccountTokens {
  const dir = mkdtempSync(join(tmpdir(), 'risk-keys-'));
  const tokens = new Tokens({ keys: SigningKeyRing.open({ dir, createIfEmpty: true }), ...JWT_DEFAULTS });
  return {
    tokens,
    async principal(accessToken, nowMs) {
      const r = await tokens.verifyAccess(accessToken, nowMs);
      if (!r.ok) throw new Error(`access token refused: ${r.code}: ${r.message}`);
      return r.value;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
