import type { AmlAlertStore } from '../../persistence/aml-alert-store.js';
import { amlJobSchema, fillsOf } from '../../persistence/queue-payloads.js';
import type { JobProcessor } from '../../persistence/queues.js';
import type { StoredFills } from '../../persistence/stored-fills.js';
import { largeNotionalAlert } from './aml-large-notional.js';
import { jobErrors } from './job-errors.js';
import { parseJob } from './parse-job.js';

/**
 * The aml queue: the fills a job names, as the journal stored them (never the amounts in the
 * payload, which a replay may have edited), through the rules; the fills are marked screened and
 * the alerts that fire are recorded, in one statement, once per fill and rule. A fill id the
 * journal does not have is refused to the dead letters, after the known ones are screened.
 */
export const amlProcessor =
  (store: AmlAlertStore, stored: StoredFills, thresholdNotional: number, clock: { nowMs(): number } = { nowMs: () => Date.now() }): JobProcessor =>
  async (job) => {
    const ids = [...new Set(fillsOf(parseJob(amlJobSchema(job.data), job)).map((f) => f.fillId))];
    const fills = await stored.byIds(ids);
    const screened = [...fills.values()].map((fill) => ({ fillId: fill.fillId, alert: largeNotionalAlert(fill, thresholdNotional) }));
    const alerted = await store.screened(screened, clock.nowMs());
    const unknown = ids.filter((id) => !fills.has(id));
    if (unknown.length > 0) throw jobErrors.fillsUnknown(job.queueName, job.id, unknown);
    return { fills: screened.length, alerted };
  };
