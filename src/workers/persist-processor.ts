import type { SnapshotStore } from '../persistence/snapshot-store.js';
import { PersistJob } from '../persistence/queue-payloads.js';
import type { JobProcessor } from '../persistence/queues.js';
import { parseJob } from './parse-job.js';

/** The persist queue: a batch of rows, one idempotent INSERT. Resolves with how many rows were new. */
export const persistProcessor =
  (store: SnapshotStore): JobProcessor =>
  async (job) => {
    const batch = parseJob(PersistJob, job);
    const written = batch.kind === 'risk_snapshots' ? await store.insertRiskSnapshots(batch.rows) : await store.insertMarketSnapshots(batch.rows);
    return { written };
  };
