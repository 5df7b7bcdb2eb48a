import type { AmlAlertStore } from '../persistence/aml-alert-store.js';
import { AmlFillJob } from '../persistence/queue-payloads.js';
import type { JobProcessor } from '../persistence/queues.js';
import { largeNotionalAlert } from './aml-large-notional.js';
import { parseJob } from './parse-job.js';

/**
 * The aml queue: every fill through the rules; the fill is marked screened and an alert that fires
 * is recorded, once per fill and rule.
 */
export const amlProcessor =
  (store: AmlAlertStore, thresholdNotional: number, clock: { nowMs(): number } = { nowMs: () => Date.now() }): JobProcessor =>
  async (job) => {
    const fill = parseJob(AmlFillJob, job);
    const alert = largeNotionalAlert(fill, thresholdNotional);
    return { alerted: await store.screened(fill.fillId, alert, clock.nowMs()) };
  };
