/**
 * Errors a BullMQ processor raises. Apart from errors.ts (the risk pool's) because it loads bullmq,
 * which the risk pool's users (the CLI's pricing commands among them) should not pay for.
 */
import { UnrecoverableError } from 'bullmq';

export const jobErrors = {
  /**
   * A payload that does not parse will not parse on the next try either: UnrecoverableError sends
   * the job straight to the dead letters, with this as its failedReason, instead of burning retries.
   */
  payloadInvalid: (queue: string, jobId: string | undefined, issues: string) =>
    new UnrecoverableError(`QUEUE_PAYLOAD_INVALID: ${queue} job ${jobId ?? '?'} has a malformed payload: ${issues}`),
} as const;
