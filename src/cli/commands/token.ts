import { issueToken, ROLES, type Role } from '../../gateway/auth.js';
import { defineCommand } from '../command.js';
import { ExitCode, usageError } from '../errors.js';
import { configOrCliError } from './config-flags.js';

export const tokenCommand = defineCommand({
  name: 'token',
  summary: 'print a signed JWT for the websocket or REST',
  description: `Prints a signed JWT (HS256) alone on stdout, for the websocket 'auth' message or a REST
'Authorization: Bearer' header. The key, issuer and audience come from the configuration, as for
'serve': RISK_ENGINE_JWT_SECRET, or else the development key file under DATA_DIR (default ./data),
so a token made in a folder is accepted by a 'serve' started from the same folder.`,
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
    const token = await issueToken({ sub: f.sub, roles: [...new Set(roles)] as Role[], portfolios, ttlSeconds: f.ttl }, config.jwt.secret, config.jwt);
    io.stdout.write(token + '\n');
    return ExitCode.Ok;
  },
});

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
