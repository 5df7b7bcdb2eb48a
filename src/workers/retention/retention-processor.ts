/**
 * The retention job: registered on the report queue under the job name `retention`, scheduled
 * daily with `{ asOf: <today> }`. Parse, run the policy, return what it did.
 */
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import type { JobProcessor } from '../../persistence/queues.js';
import { isCalendarDay, RetentionError, runRetention, type RetentionDeps } from '../../persistence/retention.js';
import { parseJob } from '../queue-jobs/parse-job.js';

/** The job name on the report queue. */
export const RETENTION_JOB_NAME = 'retention';

export const RetentionJob = z.strictObject({
  /** The report queue's job kind (queue-payloads.ts ReportJob), which carries this job. */
  kind: z.literal('retention').optional(),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').refine(isCalendarDay, 'not a calendar day'),
});
export type RetentionJob = z.infer<typeof RetentionJob>;

/**
 * A malformed payload fails with QUEUE_PAYLOAD_INVALID, a future day with
 * RETENTION_AS_OF_IN_FUTURE, both straight to the dead letters (no retry would change them);
 * a database failure is retried by the queue (the run is idempotent).
 */
export const retentionProcessor =
  (deps: RetentionDeps): JobProcessor =>
  async (job) => {
    const { asOf } = parseJob(RetentionJob, job);
    try {
      const run = await runRetention(deps, asOf);
      return { runId: run.id, asOf, counts: Object.fromEntries(run.kinds.map((k) => [k.kind, k.count])) };
    } catch (e) {
      if (e instanceof RetentionError) throw new UnrecoverableError(e.message);
      throw e;
    }
  };
