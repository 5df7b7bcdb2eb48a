import type { AmlRuleAlert } from '../../engine/compliance/aml/alert.js';
import type { AmlRuleParams } from '../../engine/compliance/aml/rule-defaults.js';
import { screenFills } from '../../engine/compliance/aml/screen.js';
import type { AmlActivitySource } from '../../persistence/aml-activity.js';
import type { AmlAlert, AmlAlertStore, ScreenedFill } from '../../persistence/aml-alert-store.js';
import { type AmlFillJob, amlJobSchema, fillsOf } from '../../persistence/queue-payloads.js';
import type { JobProcessor } from '../../persistence/queues.js';
import type { StoredFills } from '../../persistence/stored-fills.js';
import { jobErrors } from './job-errors.js';
import { parseJob } from './parse-job.js';

/**
 * The aml queue: the fills a job names, as the journal stored them (never the amounts in the
 * payload, which a replay may have edited), through every rule (src/engine/compliance/aml) over
 * their owners' activity; the fills are marked screened and the alerts that fire are recorded, in
 * one statement, once per fill and rule (the alert's key). A fill id the journal does not have is
 * refused to the dead letters, after the known ones are screened.
 */
export const amlProcessor =
  (store: AmlAlertStore, stored: StoredFills, activity: AmlActivitySource, params: AmlRuleParams, clock: { nowMs(): number } = { nowMs: () => Date.now() }): JobProcessor =>
  async (job) => {
    const ids = [...new Set(fillsOf(parseJob(amlJobSchema(job.data), job)).map((f) => f.fillId))];
    const fills = await stored.byIds(ids);
    const found = [...fills.values()];
    const alerts = (await activity.activityOf(found, params)).flatMap((a) => screenFills(a, params, fills.keys()));
    const byFill = new Map<string, AmlRuleAlert[]>();
    for (const a of alerts) byFill.set(a.fillId, [...(byFill.get(a.fillId) ?? []), a]);
    const screened: ScreenedFill[] = found.flatMap((fill): ScreenedFill[] => {
      const raised = byFill.get(fill.fillId) ?? [];
      return raised.length === 0 ? [{ fillId: fill.fillId, alert: null }] : raised.map((a) => ({ fillId: fill.fillId, alert: storedAlert(a, fill) }));
    });
    const alerted = await store.screened(screened, clock.nowMs());
    const unknown = ids.filter((id) => !fills.has(id));
    if (unknown.length > 0) throw jobErrors.fillsUnknown(job.queueName, job.id, unknown);
    return { fills: found.length, alerted };
  };

/** A rule's alert as aml_alerts keeps it: the anchor fill's fields first (as alerts before all the rules had them), then the key, customer and evidence. */
function storedAlert(a: AmlRuleAlert, fill: AmlFillJob): AmlAlert {
  return {
    fillId: a.fillId, portfolioId: a.portfolioId, customerId: a.customerId, rule: a.rule, severity: a.severity, notional: a.notional,
    details: {
      orderId: fill.orderId, instrument: fill.instrument, side: fill.side, qty: fill.qty, price: fill.price, multiplier: fill.multiplier ?? 1, ts: fill.ts,
      key: a.key, customerId: a.customerId, evidence: a.evidence,
    },
  };
}
