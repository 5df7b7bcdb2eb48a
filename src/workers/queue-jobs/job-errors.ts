/**
 * Errors a BullMQ processor raises. Apart from errors.ts (the risk pool's) because it loads bullmq,
 * which the risk pool's users (the CLI's pricing commands among them) should not pay for.
 */
import { UnrecoverableError } from 'bullmq';

/**
 * A payload that does not parse will not parse on the next try either: UnrecoverableError sends
 * the job straight to the dead letters, with this as its failedReason, instead of burning retries.
 */
const payloadInvalid = (queue: string, jobId: string | undefined, issues: string): UnrecoverableError =>
  new UnrecoverableError(`QUEUE_PAYLOAD_INVALID: ${queue} job ${jobId ?? '?'} has a malformed payload: ${issues}`);

export const jobErrors = {
  payloadInvalid,
  /**
   * The same for rows the database refused (`refusal`, in its words), led by the rows' own issues
   * when the row schema finds them: `rows[0].seq: ... (risk_snapshots rows refused: PostgreSQL 23502 ...)`.
   */
  rowsRejected: (queue: string, jobId: string | undefined, issues: string | undefined, refusal: string) =>
    payloadInvalid(queue, jobId, issues === undefined ? refusal : `${issues} (${refusal})`),
  /** An aml job naming fills the journal never stored: screened are only the fills that exist. */
  fillsUnknown: (queue: string, jobId: string | undefined, fillIds: readonly string[]) =>
    new UnrecoverableError(`AML_FILL_UNKNOWN: ${queue} job ${jobId ?? '?'} names ${fillIds.length} fill(s) the journal does not have: ${fillIds.slice(0, 10).join(', ')}${fillIds.length > 10 ? ', ...' : ''}`),
} as const;
