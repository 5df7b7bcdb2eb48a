/**
 * The REST face of the account service: /auth/* and /admin/users/*. Bodies are checked with zod
 * (parseBody: 400 INVALID_MESSAGE naming the field), service failures keep their stable code
 * (identity/identity-errors.ts) with the status listed there, and nothing else of an error (no
 * stack, no driver message) reaches the client: a throw becomes the server's 500 INTERNAL.
 *
 * Open to anyone (authPublicRoutes):
 *   POST /auth/register    {email, password, displayName}   → 201 {userId}
 *   POST /auth/login       {email, password}                → {accessToken, refreshToken, expiresIn[, mfaSetupRequired]} | {mfaRequired, mfaToken}
 *   POST /auth/refresh     {refreshToken}                   → a new pair
 *   POST /auth/mfa/verify  {mfaToken, code}                 → a pair (code: TOTP or a backup code)
 * Signed in (authRoutes):
 *   GET  /auth/me                                           → {userId, email, displayName, grants, mfaEnabled}
 *   POST /auth/mfa/setup                                    → {secret, otpauthUrl, qrSvg}
 *   POST /auth/mfa/enable  {code}                           → {backupCodes} (shown this once)
 *   POST /auth/logout                                       → {revoked}
 *   POST /auth/api-keys    {name, roles, portfolios, expiresAt?} → 201 {id, key, …} (the key this once)
 *   GET  /auth/api-keys                                     → {apiKeys: […]} (never the key)
 *   DELETE /auth/api-keys/:id                               → {revoked: true}
 *   POST /admin/users/:id/roles           {roles}           → {grants, sessionsRevoked}   (admin with MFA)
 *   POST /admin/users/:id/portfolios      {role?, portfolios} → {grants, sessionsRevoked} (admin with MFA)
 *   POST /admin/users/:id/revoke-sessions                   → {sessionsRevoked}           (admin with MFA)
 * The admin routes ask authorize.ts's table first (action `users`: 403 FORBIDDEN like every route),
 * then the service requires the second factor (403 MFA_REQUIRED).
 *
 * Why enabling MFA is `/auth/mfa/enable {code}` rather than a second shape of `/auth/mfa/verify`:
 * the two are different doors. `verify` is open (its credential is the mfaToken in the body) and
 * finishes a login; `enable` is behind the access token like every signed-in route, so the server
 * checks that token, its session's revocation and the rate limits in the one place it does for all
 * of them. Serving both on one path would need a public handler that verifies access tokens itself.
 * A `verify` body without an mfaToken is answered 400 MFA_TOKEN_MISSING, pointing to `enable`.
 */
import { z } from 'zod';
import { freeText, identifier } from './text-schemas.js';
import type { Result } from '../engine/result.js';
import type { AccountService } from './identity/account-service.js';
import { IDENTITY_ERROR_STATUS, type IdentityErrorCode } from './identity/identity-errors.js';
import { type Principal, ROLES } from './identity/ports.js';
import { type HttpResult, fail } from './http-util.js';
import type { CodeCounts } from '../metrics/security-counters.js';
import { type DocErrors, type RouteDoc, errorsByStatus } from './route-doc.js';
import { type PublicRouteContext, type PublicRouteSpec, type RouteContext, type RouteSpec, denied, parseBody } from './route-spec.js';

const Email = z.string().trim().min(3).max(320);
const Portfolio = identifier(64);

export const RegisterBody = z.strictObject({ email: z.email().max(320), password: z.string().min(1).max(4096), displayName: freeText(200).trim().min(1) });
export const LoginBody = z.strictObject({ email: Email, password: z.string().min(1).max(4096) });
export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(512) });
export const MfaLoginBody = z.strictObject({ mfaToken: z.string().min(1).max(4096).optional(), code: z.string().min(1).max(64) });
export const MfaEnableBody = z.strictObject({ code: z.string().min(1).max(64) });
export const CreateApiKeyBody = z.strictObject({
  name: freeText(100).trim().min(1),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  portfolios: z.array(Portfolio).max(1000),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export const SetRolesBody = z.strictObject({ roles: z.array(z.enum(ROLES)).max(ROLES.length) });
export const SetPortfoliosBody = z.strictObject({ role: z.enum(ROLES).optional(), portfolios: z.array(Portfolio).max(1000) });

/** The identity codes of a route by their status (IDENTITY_ERROR_STATUS), and 400 INVALID_MESSAGE when it has a body. */
const idErrors = (codes: readonly IdentityErrorCode[], body = false, more: DocErrors = {}): DocErrors =>
  errorsByStatus(IDENTITY_ERROR_STATUS, codes, body ? { ...more, 400: ['INVALID_MESSAGE', ...(more[400] ?? [])] } : more);

const TOKEN_PAIR = '{accessToken, refreshToken, expiresIn (seconds)[, mfaSetupRequired]}';
const PASSWORD: readonly IdentityErrorCode[] = ['PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG', 'PASSWORD_IS_PERSONAL', 'PASSWORD_TOO_COMMON'];
const ADMIN: readonly IdentityErrorCode[] = ['FORBIDDEN', 'MFA_REQUIRED', 'NO_SESSION', 'USER_NOT_FOUND'];
const userPath = (summary: string, body: RouteDoc['body'], bodyExample: unknown, extra: readonly IdentityErrorCode[] = []): RouteDoc => ({
  summary, tags: ['users'], params: { id: PathId }, ...(body ? { body, bodyExample } : {}),
  description: 'Admins with MFA. The user\'s sessions are revoked so their next token carries the change.',
  responses: { 200: { description: body ? '{grants, sessionsRevoked}' : '{sessionsRevoked}' } },
  errors: idErrors([...ADMIN, ...extra], body !== undefined, { 400: ['INVALID_MESSAGE'] }),
});

/** An id in a path: bounded before it reaches a store. */
const PathId = identifier(128);

function answer<T>(r: Result<T, IdentityErrorCode>, okStatus = 200, statusOf: Partial<Record<IdentityErrorCode, number>> = {}): HttpResult {
  if (r.ok) return { status: okStatus, body: r.value };
  return fail(statusOf[r.code] ?? IDENTITY_ERROR_STATUS[r.code], { code: r.code, message: r.message });
}

function pathId(c: RouteContext, name: string): { ok: true; value: string } | { ok: false; result: HttpResult } {
  const raw = c.req.params[0] ?? '';
  return PathId.safeParse(raw).success ? { ok: true, value: raw } : { ok: false, result: fail(400, { code: 'INVALID_MESSAGE', message: `${name}: 1 to 128 characters expected` }) };
}

/**
 * The routes open without a token. `POST /auth/mfa/verify` has two forms, as the protocol names them:
 * `{mfaToken, code}` finishes a login; `{code}` with an access token turns MFA on (the same as
 * `POST /auth/mfa/enable`).
 */
export function authPublicRoutes(service: AccountService, counts?: { readonly logins: CodeCounts; readonly mfaVerifications: CodeCounts }): PublicRouteSpec[] {
  const caller = (c: PublicRouteContext) => ({ ip: c.ip });
  return [
    {
      method: 'post', pattern: '/auth/register', paramCount: 0, hasBody: true, public: true,
      doc: {
        summary: 'Create an account (a trader on no portfolio until an admin grants some)', tags: ['auth'], body: RegisterBody,
        bodyExample: { email: 'ops@example.com', password: 'a long passphrase of yours', displayName: 'Ops' },
        responses: { 201: { description: '{userId}' } }, errors: idErrors([...PASSWORD, 'EMAIL_TAKEN'], true),
      },
      async handle(c) {
        const b = parseBody(RegisterBody, c.body);
        return b.ok ? answer(await service.register(b.value, caller(c)), 201) : b.result;
      },
    },
    {
      method: 'post', pattern: '/auth/login', paramCount: 0, hasBody: true, public: true,
      doc: {
        summary: 'Sign in with email and password', tags: ['auth'], body: LoginBody,
        bodyExample: { email: 'ops@example.com', password: 'a long passphrase of yours' },
        responses: { 200: { description: `${TOKEN_PAIR}, or {mfaRequired: true, mfaToken} when the account has MFA on (then POST /auth/mfa/verify)` } },
        errors: idErrors(['LOGIN_FAILED'], true),
      },
      async handle(c) {
        const b = parseBody(LoginBody, c.body);
        if (!b.ok) return b.result;
        const r = await service.login(b.value, caller(c));
        counts?.logins.add(!r.ok ? 'failed' : 'mfaRequired' in r.value ? 'mfa_required' : 'success');
        return answer(r);
      },
    },
    {
      method: 'post', pattern: '/auth/refresh', paramCount: 0, hasBody: true, public: true,
      doc: {
        summary: 'A new token pair for a refresh token (the old one is spent)', tags: ['auth'], body: RefreshBody, bodyExample: { refreshToken: 'rt_…' },
        responses: { 200: { description: TOKEN_PAIR } }, errors: idErrors(['REFRESH_INVALID', 'REFRESH_REUSED'], true),
      },
      async handle(c) {
        const b = parseBody(RefreshBody, c.body);
        return b.ok ? answer(await service.refresh(b.value.refreshToken)) : b.result;
      },
    },
    {
      method: 'post', pattern: '/auth/mfa/verify', paramCount: 0, hasBody: true, public: true,
      doc: {
        summary: 'Finish a login with a TOTP or backup code ({mfaToken, code}); {code} with an access token turns MFA on', tags: ['auth'], body: MfaLoginBody,
        bodyExample: { mfaToken: 'eyJ…', code: '123456' },
        responses: { 200: { description: `${TOKEN_PAIR}; turning MFA on: {backupCodes}` } },
        errors: idErrors(['MFA_TOKEN_INVALID', 'MFA_CODE_INVALID', 'MFA_NOT_SET_UP', 'MFA_ALREADY_ENABLED'], true, { 400: ['MFA_TOKEN_MISSING', 'MFA_CODE_INVALID'], 401: ['UNAUTHENTICATED'] }),
      },
      async handle(c) {
        const b = parseBody(MfaLoginBody, c.body);
        if (!b.ok) return b.result;
        if (b.value.mfaToken === undefined) {
          if (c.req.authorization === '') {
            return fail(400, { code: 'MFA_TOKEN_MISSING', message: 'finishing a login needs {mfaToken, code}; to turn MFA on, send {code} with your access token (Authorization: Bearer), or POST /auth/mfa/enable {code}' });
          }
          const p = await c.signedIn();
          if (!('sub' in p)) return p;
          return answer(await service.enableMfa(p, b.value.code), 200, { MFA_CODE_INVALID: 400 });
        }
        const r = await service.verifyMfaLogin({ mfaToken: b.value.mfaToken, code: b.value.code }, caller(c));
        counts?.mfaVerifications.add(r.ok ? 'success' : 'failed');
        return answer(r);
      },
    },
  ];
}

/** The routes behind an access token (or, where the service allows it, an API key). */
export function authRoutes(service: AccountService): RouteSpec[] {
  const who = (c: RouteContext): Principal => c.principal;
  return [
    {
      method: 'get', pattern: '/auth/me', paramCount: 0, hasBody: false,
      doc: { summary: 'The caller\'s account', tags: ['auth'], responses: { 200: { description: '{userId, email, displayName, grants, mfaEnabled}' } }, errors: idErrors(['NOT_AN_ACCOUNT']) },
      handle: async (c) => answer(await service.profile(who(c))),
    },
    {
      method: 'post', pattern: '/auth/mfa/setup', paramCount: 0, hasBody: false,
      doc: {
        summary: 'Start turning MFA on: a TOTP secret to scan', tags: ['auth'],
        responses: { 200: { description: '{secret, otpauthUrl, qrSvg}' } }, errors: idErrors(['NOT_AN_ACCOUNT', 'NO_SESSION', 'MFA_ALREADY_ENABLED']),
      },
      handle: async (c) => answer(await service.setupMfa(who(c))),
    },
    {
      method: 'post', pattern: '/auth/mfa/enable', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Turn MFA on with a code from the authenticator', tags: ['auth'], body: MfaEnableBody, bodyExample: { code: '123456' },
        responses: { 200: { description: '{backupCodes} (shown this once)' } },
        errors: idErrors(['NOT_AN_ACCOUNT', 'NO_SESSION', 'MFA_NOT_SET_UP', 'MFA_ALREADY_ENABLED'], true, { 400: ['MFA_CODE_INVALID'] }),
      },
      async handle(c) {
        const b = parseBody(MfaEnableBody, c.body);
        // A wrong code here is a bad request of a signed-in caller, not a refused credential (401 would read as "sign in again").
        return b.ok ? answer(await service.enableMfa(who(c), b.value.code), 200, { MFA_CODE_INVALID: 400 }) : b.result;
      },
    },
    {
      method: 'post', pattern: '/auth/logout', paramCount: 0, hasBody: false,
      doc: { summary: 'End the caller\'s session (its tokens and websockets)', tags: ['auth'], responses: { 200: { description: '{revoked}' } }, errors: idErrors(['NO_SESSION']) },
      handle: async (c) => answer(await service.logout(who(c))),
    },
    {
      method: 'post', pattern: '/auth/api-keys', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Create an API key (the key is shown this once)', tags: ['api-keys'], body: CreateApiKeyBody,
        bodyExample: { name: 'feed-1', roles: ['trader'], portfolios: ['demo-0000'], expiresAt: '2027-01-01T00:00:00Z' },
        responses: { 201: { description: '{id, key, name, grants, createdMs, expiresMs?}' } },
        errors: idErrors(['NOT_AN_ACCOUNT', 'NO_SESSION', 'GRANTS_EXCEED_OWN', 'API_KEY_EXPIRY_PAST'], true),
      },
      async handle(c) {
        const b = parseBody(CreateApiKeyBody, c.body);
        if (!b.ok) return b.result;
        const { expiresAt, ...rest } = b.value;
        return answer(await service.createApiKey(who(c), { ...rest, ...(expiresAt !== undefined ? { expiresAtMs: Date.parse(expiresAt) } : {}) }), 201);
      },
    },
    {
      method: 'get', pattern: '/auth/api-keys', paramCount: 0, hasBody: false,
      doc: { summary: 'The caller\'s API keys (never the keys themselves)', tags: ['api-keys'], responses: { 200: { description: '{apiKeys: […]}' } }, errors: idErrors(['NOT_AN_ACCOUNT']) },
      async handle(c) {
        const r = await service.listApiKeys(who(c));
        return r.ok ? { status: 200, body: { apiKeys: r.value } } : answer(r);
      },
    },
    {
      method: 'del', pattern: '/auth/api-keys/:id', paramCount: 1, hasBody: false,
      doc: {
        summary: 'Revoke one of the caller\'s API keys (its websockets close)', tags: ['api-keys'], params: { id: PathId },
        responses: { 200: { description: '{revoked: true}' } }, errors: idErrors(['NOT_AN_ACCOUNT', 'API_KEY_NOT_FOUND'], false, { 400: ['INVALID_MESSAGE'] }),
      },
      async handle(c) {
        const id = pathId(c, 'id');
        return id.ok ? answer(await service.revokeApiKey(who(c), id.value)) : id.result;
      },
    },
    {
      method: 'post', pattern: '/admin/users/:id/roles', paramCount: 1, hasBody: true,
      doc: userPath('Set a user\'s roles', SetRolesBody, { roles: ['risk_manager'] }, ['ROLE_NOT_HELD']),
      async handle(c) {
        const refused = denied(c.principal, 'users');
        if (refused) return refused;
        const id = pathId(c, 'id');
        if (!id.ok) return id.result;
        const b = parseBody(SetRolesBody, c.body);
        return b.ok ? answer(await service.setRoles(who(c), id.value, b.value.roles)) : b.result;
      },
    },
    {
      method: 'post', pattern: '/admin/users/:id/portfolios', paramCount: 1, hasBody: true,
      doc: userPath('Set the portfolios of a user\'s role', SetPortfoliosBody, { role: 'trader', portfolios: ['demo-0000'] }, ['ROLE_NOT_HELD']),
      async handle(c) {
        const refused = denied(c.principal, 'users');
        if (refused) return refused;
        const id = pathId(c, 'id');
        if (!id.ok) return id.result;
        const b = parseBody(SetPortfoliosBody, c.body);
        return b.ok ? answer(await service.setPortfolios(who(c), id.value, b.value)) : b.result;
      },
    },
    {
      method: 'post', pattern: '/admin/users/:id/revoke-sessions', paramCount: 1, hasBody: false,
      doc: userPath('Sign a user out everywhere', undefined, undefined),
      async handle(c) {
        const refused = denied(c.principal, 'users');
        if (refused) return refused;
        const id = pathId(c, 'id');
        return id.ok ? answer(await service.revokeAllSessions(who(c), id.value)) : id.result;
      },
    },
  ];
}
