import type { AmlAlertStore } from '../../persistence/aml-alert-store.js';
import { amlJobSchema, fillsOf } from '../../persistence/queue-payloads.js';
import type { JobProcessor } from '../../persistence/queues.js';
import { largeNotionalAlert } from './aml-large-notional.js';
import { parseJob } from './parse-job.js';

/**
 * The aml queue: every fill of a job through the rules; the fills are marked screened and the
 * alerts that fire are recorded, in one statement, once per fill and rule.
 */
export const amlProcessor =
  (store: AmlAlertStore, thresholdNotional: number, clock: { nowMs(): number } = { nowMs: () => Date.now() }): JobProcessor =>
  async (job) => {
    const fills = fillsOf(parseJob(amlJobSchema(job.data), job));
    const screened = fills.map((fill) => ({ fillId: fill.fillId, alert: largeNotionalAlert(fill, thresholdNotional) }));
    return { fills: fills.length, alerted: await store.screened(screened, clock.nowMs()) };
  };
