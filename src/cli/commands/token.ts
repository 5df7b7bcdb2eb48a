import type { AppConfig } from '../../config.js';
import { ROLES, type Role } from '../../gateway/identity/ports.js';
import { Tokens } from '../../gateway/tokens.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { configOrCliError } from './config-flags.js';

export const tokenCommand = defineCommand({
  name: 'token',
  summary: 'print a signed JWT for the websocket or REST',
  description: `Prints a signed access token (JWT, EdDSA) alone on stdout, for the websocket 'auth' message or a
REST 'Authorization: Bearer' header; for development and tests (amr ["dev"]): it is refused when
NODE_ENV=production, where tokens come from logins. Each role is granted on the given portfolios.
It signs with the keys 'serve' trusts: SIGNING_KEYS_DIR, or <DATA_DIR>/signing-keys (DATA_DIR default
./data, a key is made there when there is none), with RISK_ENGINE_JWT_ISSUER and _AUDIENCE, so a
token made in a folder is accepted by a 'serve' started from the same folder.`,
  flags: {
    sub: { type: 'string', value: 'NAME', required: true, help: 'subject: a user or bot id' },
    roles: {
      type: 'string', value: 'LIST', required: true,
      help: `comma-separated, of: ${ROLES.join(', ')};\nmarket-data feeds need 'feed': no other role may send ticks`,
    },
    portfolios: { type: 'string', value: 'LIST', required: true, help: 'comma-separated portfolio ids, or * for every portfolio' },
    ttl: { type: 'number', value: 'SECONDS', default: 3600, integer: true, min: 1, max: 30 * 86_400, help: 'lifetime in seconds (at most 30 days)' },
  },
  footer: `Example:
  risk-engine token --sub alice --roles trader --portfolios demo-0000,demo-0001`,
  async run(f, io) {
    if (process.env.NODE_ENV === 'production') {
      throw new CliError('refused when NODE_ENV=production (development tokens would bypass logins and MFA); sign in through POST /auth/login instead');
    }
    if (f.sub.length > 128) throw usageError(`token: --sub must be at most 128 characters, got ${f.sub.length}`);
    const roles = splitList(f.roles);
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (roles.length === 0 || unknown.length > 0) {
      throw usageError(`token: --roles must be a comma-separated list of ${ROLES.join(', ')}; unknown: ${unknown.join(', ') || '(empty)'}`);
    }
    const portfolios = splitList(f.portfolios);
    if (portfolios.length === 0) throw usageError('token: --portfolios must name at least one portfolio, or *');
    const bad = portfolios.find((p) => p.length > 64);
    if (bad !== undefined) throw usageError(`token: portfolio ids are at most 64 characters, got "${bad.slice(0, 70)}…"`);

    const config = configOrCliError(process.env, {});
    const token = await devToken(config, f.sub, [...new Set(roles)] as Role[], portfolios, f.ttl);
    io.stdout.write(token + '\n');
    return ExitCode.Ok;
  },
});

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A development access token: each role granted on `portfolios`, signed with the configuration's keys. */
export function devToken(config: AppConfig, sub: string, roles: readonly Role[], portfolios: readonly string[], ttlSeconds: number): Promise<string> {
  const grants = roles.map((role) => ({ role, portfolios }));
  return new Tokens(config.jwt).issueAccess({ sub, grants, amr: ['dev'] }, ttlSeconds, Date.now());
}
