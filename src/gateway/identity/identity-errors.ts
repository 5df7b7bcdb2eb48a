/**
 * Every failure the account service answers with, and its HTTP status. A code never changes
 * meaning once released; add new ones instead. LOGIN_FAILED is deliberately one code for an
 * unknown email, a wrong password, a locked or disabled account: the answer must not tell which.
 */
import type { PasswordProblemCode } from '../passwords.js';

export const IDENTITY_ERROR_STATUS = {
  /** Unknown email, wrong password, locked or disabled account: the same answer for each. */
  LOGIN_FAILED: 401,
  EMAIL_TAKEN: 409,
  PASSWORD_TOO_SHORT: 400,
  PASSWORD_TOO_LONG: 400,
  PASSWORD_IS_PERSONAL: 400,
  PASSWORD_TOO_COMMON: 400,
  /** The MFA token is malformed, expired, not an MFA token, or its account can no longer finish a login. */
  MFA_TOKEN_INVALID: 401,
  /** The TOTP or backup code is wrong, already used, or (TOTP) of a step already accepted. */
  MFA_CODE_INVALID: 401,
  MFA_NOT_SET_UP: 409,
  MFA_ALREADY_ENABLED: 409,
  /** Not a refresh token of a live session (unknown, expired, revoked, or not the current one). */
  REFRESH_INVALID: 401,
  /** A refresh token already rotated away was presented: the session is revoked now. */
  REFRESH_REUSED: 401,
  /** The route needs a login session (a user's token), not an API key or a development token. */
  NO_SESSION: 403,
  /** The route needs the caller to be an account of the user store. */
  NOT_AN_ACCOUNT: 403,
  FORBIDDEN: 403,
  /** An admin route reached with a token that did not prove a second factor. */
  MFA_REQUIRED: 403,
  USER_NOT_FOUND: 404,
  ROLE_NOT_HELD: 409,
  /** An API key may not carry grants its creator does not hold. */
  GRANTS_EXCEED_OWN: 403,
  API_KEY_NOT_FOUND: 404,
  API_KEY_EXPIRY_PAST: 400,
} as const satisfies Record<string, number> & Record<PasswordProblemCode, number>;

export type IdentityErrorCode = keyof typeof IDENTITY_ERROR_STATUS;
