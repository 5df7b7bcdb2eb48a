import type { Job } from 'bullmq';
import type { z } from 'zod';
import { describeIssues, toWritableJob, type WritableJob } from '../../persistence/queue-payloads.js';
import { jobErrors } from './job-errors.js';

type JobInput = Pick<Job, 'id' | 'queueName' | 'data'>;

/** job.data checked against its schema; a malformed payload becomes a dead letter with the reason. */
export function parseJob<S extends z.ZodType>(schema: S, job: JobInput): z.output<S> {
  const r = schema.safeParse(job.data);
  if (!r.success) throw jobErrors.payloadInvalid(job.queueName, job.id, describeIssues(r.error));
  return r.data;
}

/** A persist job in a form the store writes, from any form; the rows of a text form are PostgreSQL's to check. */
export function parsePersistJob(job: JobInput): WritableJob {
  const r = toWritableJob(job.data);
  if (!r.ok) throw jobErrors.payloadInvalid(job.queueName, job.id, r.issues);
  return r.data;
}
