import { issueToken, ROLES, type Role } from '../../gateway/auth.js';
import { numberFlag, parseFlags, requiredFlag } from '../args.js';
import { ExitCode, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { configOrCliError } from './config-flags.js';

export const tokenHelp = `Usage: risk-engine token --sub NAME --roles R1,R2 --portfolios P1,P2|* [--ttl SECONDS]

Prints a signed JWT (HS256) alone on stdout, for the websocket 'auth' message or a REST
'Authorization: Bearer' header. The key, issuer and audience come from the configuration, as for
'serve': RISK_ENGINE_JWT_SECRET, or else the development key file under DATA_DIR (default ./data),
so a token made in a folder is accepted by a 'serve' started from the same folder.

Options:
  --sub NAME            subject (user or bot id), required
  --roles LIST          comma-separated, of: ${ROLES.join(', ')} (required);
                        market-data feeds need 'feed': no other role may send ticks
  --portfolios LIST     comma-separated portfolio ids, or * for every portfolio (required)
  --ttl SECONDS         lifetime, default 3600 (max 30 days)

Example:
  risk-engine token --sub alice --roles trader --portfolios demo-0000,demo-0001
`;

export async function runToken(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('token', argv, {
    sub: { type: 'string' },
    roles: { type: 'string' },
    portfolios: { type: 'string' },
    ttl: { type: 'string' },
  });
  if (f.help) {
    io.stdout.write(tokenHelp);
    return ExitCode.Ok;
  }
  const sub = requiredFlag('token', 'sub', f.sub);
  if (sub.length > 128) throw usageError(`token: --sub must be at most 128 characters, got ${sub.length}`);
  const roles = splitList(requiredFlag('token', 'roles', f.roles));
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) {
    throw usageError(`token: --roles must be a comma-separated list of ${ROLES.join(', ')}; unknown: ${unknown.join(', ') || '(empty)'}`);
  }
  const portfolios = splitList(requiredFlag('token', 'portfolios', f.portfolios));
  if (portfolios.length === 0) throw usageError('token: --portfolios must name at least one portfolio, or *');
  const bad = portfolios.find((p) => p.length > 64);
  if (bad !== undefined) throw usageError(`token: portfolio ids are at most 64 characters, got "${bad.slice(0, 70)}…"`);
  const ttlSeconds = numberFlag('token', 'ttl', f.ttl, 3600, { integer: true, min: 1, max: 30 * 86_400 });

  const config = configOrCliError(process.env, {});
  const token = await issueToken({ sub, roles: [...new Set(roles)] as Role[], portfolios, ttlSeconds }, config.jwt.secret, config.jwt);
  io.stdout.write(token + '\n');
  return ExitCode.Ok;
}

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

