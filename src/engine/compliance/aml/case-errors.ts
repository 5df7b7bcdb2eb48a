/** Why a change to an alert's case is refused: stable codes, for the officer's screen and the REST answer. */
export const CASE_ERRORS = [
  /** The case's state does not lead to the one asked for (the message lists those it leads to). */
  'CASE_TRANSITION_NOT_ALLOWED',
  /** The case is closed (closed_no_action or reported): only notes may still be added. */
  'CASE_CLOSED',
  'CASE_ACTOR_REQUIRED',
  'CASE_REASON_REQUIRED',
  'CASE_NOTE_REQUIRED',
  'CASE_ASSIGNEE_REQUIRED',
  /** A text above CASE_TEXT_MAX_CHARS. */
  'CASE_TEXT_TOO_LONG',
] as const;

export type CaseErrorCode = (typeof CASE_ERRORS)[number];
