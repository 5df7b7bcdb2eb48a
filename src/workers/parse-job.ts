import type { Job } from 'bullmq';
import type { z } from 'zod';
import { describeIssues } from '../persistence/queue-payloads.js';
import { jobErrors } from './job-errors.js';

/** job.data checked against its schema; a malformed payload becomes a dead letter with the reason. */
export function parseJob<S extends z.ZodType>(schema: S, job: Pick<Job, 'id' | 'queueName' | 'data'>): z.output<S> {
  const r = schema.safeParse(job.data);
  if (!r.success) throw jobErrors.payloadInvalid(job.queueName, job.id, describeIssues(r.error));
  return r.data;
}
