/**
 * Every failure of the GDPR routes (src/gateway/gdpr-routes.ts), with the HTTP status answered.
 * A code never changes meaning once released; add new ones instead.
 */
export const GDPR_ERROR_STATUS = {
  /** A body that is not what the route takes (the message names the field). */
  GDPR_INVALID_REQUEST: 400,
  /** An erasure names why it is done (1 to 1000 characters, no personal data). */
  GDPR_REASON_REQUIRED: 400,
  /** No account with this user id. */
  GDPR_USER_NOT_FOUND: 404,
  /** The person was erased already: their data cannot be exported or erased again (the record says when). */
  GDPR_ALREADY_ERASED: 409,
  /**
   * The person has a KYC case, which anti-money-laundering law keeps for five years after the
   * relationship ends: erasure is refused unless the officer releases the hold (`releaseKycHold`).
   */
  GDPR_KYC_LEGAL_HOLD: 409,
  /** A compliance officer may not erase themself (another officer does, maker-checker). */
  GDPR_SELF_ERASURE: 403,
  /** This engine runs without a database (PERSISTENCE=memory): erasure is a durable act and is not offered. */
  GDPR_UNAVAILABLE: 503,
} as const;

export type GdprErrorCode = keyof typeof GDPR_ERROR_STATUS;
