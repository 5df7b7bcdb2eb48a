import type { AmlAlertStore } from '../persistence/aml-alert-store.js';
import { AmlFillJob } from '../persistence/queue-payloads.js';
import type { JobProcessor } from '../persistence/queues.js';
import { largeNotionalAlert } from './aml-large-notional.js';
import { parseJob } from './parse-job.js';

/** The aml queue: every fill through the rules; an alert that fires is recorded once per fill and rule. */
export const amlProcessor =
  (store: AmlAlertStore, thresholdNotional: number): JobProcessor =>
  async (job) => {
    const alert = largeNotionalAlert(parseJob(AmlFillJob, job), thresholdNotional);
    return { alerted: alert !== null && (await store.insert(alert)) };
  };
