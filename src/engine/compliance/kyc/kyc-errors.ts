/**
 * Every failure of the KYC domain, with the HTTP status the `/kyc` routes answer it with. A code
 * never changes meaning once released; add new ones instead.
 */
export const KYC_ERROR_STATUS = {
  /** The submission body does not match the schema (the message lists every bad field). */
  KYC_INVALID_SUBMISSION: 400,
  /** An officer's decision body that is not `{action, reason}` with a known action. */
  KYC_INVALID_DECISION: 400,
  /** A transition from a state that does not allow it (e.g. approving a submission nobody reviewed). */
  KYC_BAD_TRANSITION: 409,
  /** Maker-checker: the officer who put the case in review may not approve or reject it too. */
  KYC_SAME_OFFICER: 403,
  /** A compliance officer may not review, approve or reject their own KYC. */
  KYC_SELF_REVIEW: 403,
  /** Only the customer themself resubmits their KYC. */
  KYC_NOT_SUBJECT: 403,
  /** Every transition names who made it. */
  KYC_ACTOR_REQUIRED: 400,
  /** Every transition says why (1 to 1000 characters). */
  KYC_REASON_REQUIRED: 400,
  /** The customer has a KYC case already (resubmit it when it asks for information). */
  KYC_ALREADY_SUBMITTED: 409,
  KYC_NOT_FOUND: 404,
  /** A list asked for a state that is not one of the workflow's, or pages after a malformed id. */
  KYC_INVALID_QUERY: 400,
  /** An upload without the fields it needs (document type, content type, bytes). */
  KYC_INVALID_DOCUMENT: 400,
  /** Another transition of the same case landed first: read it again and decide again. */
  KYC_CONFLICT: 409,
  KYC_DOCUMENT_EMPTY: 400,
  /** Larger than MAX_DOCUMENT_BYTES. */
  KYC_DOCUMENT_TOO_LARGE: 413,
  /** Content that is none of PDF, JPEG, PNG (by its magic bytes). */
  KYC_DOCUMENT_TYPE_UNKNOWN: 415,
  /** The declared content type is not what the bytes are. */
  KYC_DOCUMENT_TYPE_MISMATCH: 415,
  KYC_DOCUMENT_NOT_FOUND: 404,
  /** A machine-readable zone of the wrong shape (line count, line length, characters). */
  KYC_MRZ_FORMAT: 400,
  /** The customer's personal data cannot be read: their data key was shredded (erasure), or a field does not authenticate. */
  KYC_DATA_ERASED: 410,
} as const satisfies Record<string, number>;

export type KycErrorCode = keyof typeof KYC_ERROR_STATUS;
