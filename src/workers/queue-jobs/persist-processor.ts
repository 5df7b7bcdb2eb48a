import { persistJobIssues } from '../../persistence/queue-payloads.js';
import { QueueError } from '../../persistence/queue-errors.js';
import type { JobProcessor } from '../../persistence/queues.js';
import type { SnapshotStore } from '../../persistence/snapshot-store.js';
import { jobErrors } from './job-errors.js';
import { parsePersistJob } from './parse-job.js';

/**
 * The persist queue: a batch of rows, one idempotent INSERT or COPY. Resolves with how many rows were new.
 * Rows the table refuses make the payload malformed (a dead letter at once, saying which rows and
 * fields); any other failure is thrown as it is, and retried with backoff.
 */
export const persistProcessor =
  (store: SnapshotStore): JobProcessor =>
  async (job) => {
    const batch = parsePersistJob(job);
    try {
      const written = 'rowsCopy' in batch
        ? await store.copySnapshots(batch.kind, batch.rowsCopy)
        : batch.kind === 'risk_snapshots' ? await store.insertRiskSnapshots(batch.rowsJson) : await store.insertMarketSnapshots(batch.rowsJson);
      return { written };
    } catch (err) {
      if (err instanceof QueueError && err.code === 'QUEUE_ROWS_REJECTED') throw jobErrors.rowsRejected(job.queueName, job.id, persistJobIssues(batch), err.detail);
      throw err;
    }
  };
