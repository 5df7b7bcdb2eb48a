/**
 * Starts one worker per queue with its processor, on the queues' own backend. The stores are the
 * pg ones on db unless a test passes others (a store that fails on cue, to exercise retries).
 */
import { join } from 'node:path';
import type { LogFn } from '../../logger.js';
import { pgAmlAlertStore, type AmlAlertStore } from '../../persistence/aml-alert-store.js';
import type { Database } from '../../persistence/database.js';
import type { JobProcessor, JobWorker, Queues } from '../../persistence/queues.js';
import { pgReportStore, type ReportStore } from '../../persistence/report-store.js';
import { pgSnapshotStore, type SnapshotStore } from '../../persistence/snapshot-store.js';
import { pgStoredFills } from '../../persistence/stored-fills.js';
import { amlProcessor } from './aml-processor.js';
import { startAmlSweep, type AmlSweepOptions } from './aml-sweep.js';
import { AML_DEFAULTS } from './aml-large-notional.js';
import { AML_RULE_DEFAULTS, type AmlRuleParams, amlRuleParams } from '../../engine/compliance/aml/rule-defaults.js';
import { type CustomerProfiles, pgAmlActivity, pgCustomerProfiles } from '../../persistence/aml-activity.js';
import { persistProcessor } from './persist-processor.js';
import { reportProcessor, reportQueueProcessor } from './report-processor.js';
import { complianceReportProcessor } from '../reports/report-processor.js';
import { REPORT_DEFINITIONS } from '../reports/definitions/index.js';
import type { ReportSettings } from '../reports/report-definition.js';
import { pgReportRows } from '../../persistence/reports/report-rows.js';
import { pgReportSources } from '../../persistence/reports/report-sources.js';
import type { MasterKeys } from '../../persistence/master-keys.js';
import { pgDataKeys } from '../../persistence/data-keys.js';
import { type RetentionPeriods, retentionPolicy } from '../../engine/compliance/retention-policy.js';
import { retentionProcessor } from '../retention/retention-processor.js';

export interface QueueWorkersOptions {
  readonly queues: Queues;
  readonly db: Database;
  /** Reports go to `<dataDir>/reports/`. */
  readonly dataDir: string;
  readonly log?: LogFn;
  /** A fill at or above this notional (currency) raises an AML alert (default 1,000,000). */
  readonly amlLargeNotional?: number;
  /** Every AML rule's parameters (config.aml); without them AML_RULE_DEFAULTS, with amlLargeNotional as the low-risk threshold. */
  readonly amlRules?: AmlRuleParams;
  /**
   * AML_MONITORING_ENABLED (default true). False: an aml job completes without running a rule (no
   * alert is raised, no fill marked screened) and the sweep does not run; fills made meanwhile
   * are picked up by the sweep once monitoring is on again.
   */
  readonly amlMonitoring?: boolean;
  /** Customers' risk levels and countries (default: the risk levels of the KYC cases, pgCustomerProfiles). */
  readonly customerProfiles?: CustomerProfiles;
  /**
   * Persist jobs in flight at once (default 3 on a server, 1 on the embedded database, which runs
   * one statement at a time anyway). Each job is a queue round trip, then an INSERT: with two in
   * flight the database still idled while both fetched or completed. Measured on this 2-core box
   * with a backlog of 1000-row jobs, rows/s: Redis queues 2 → 48-54k, 3 → 57-59k, 4 → 54-56k;
   * PostgreSQL queues 2 → 39-44k, 3 → 43-47k.
   */
  readonly persistConcurrency?: number;
  readonly stores?: { readonly snapshots?: SnapshotStore; readonly amlAlerts?: AmlAlertStore; readonly reports?: ReportStore };
  /**
   * The compliance reports' settings and the master keys that open customers' identities (the
   * large-position and RTS 22 reports name them). Without them the report queue runs only the
   * positions-and-risk file, and a compliance report job fails REPORT_KIND_UNAVAILABLE.
   */
  readonly reports?: { readonly settings: ReportSettings; readonly masterKeys: MasterKeys };
  /**
   * The retention periods (RETENTION_*_DAYS): the report queue's `retention` jobs run the policy
   * with them. Without them a retention job fails REPORT_KIND_UNAVAILABLE.
   */
  readonly retention?: RetentionPeriods;
  /** The sweep that queues again fills whose AML job was lost (aml-sweep.ts); its defaults unless given. */
  readonly amlSweep?: Pick<AmlSweepOptions, 'intervalMs' | 'graceMs' | 'batch'>;
}

export interface QueueWorkers {
  readonly persist: JobWorker;
  readonly aml: JobWorker;
  readonly report: JobWorker;
  /** Lets the jobs in hand finish and stops the three workers (Queues.close() does it too). */
  close(): Promise<void>;
}

/** The aml processor while AML_MONITORING_ENABLED=false: a job (queued before, or replayed) completes and raises nothing. */
const amlMonitoringOff: JobProcessor = async () => ({ fills: 0, alerted: 0, monitoring: 'off' });

export function startQueueWorkers(opts: QueueWorkersOptions): QueueWorkers {
  const { queues, db } = opts;
  const threshold = opts.amlLargeNotional ?? AML_DEFAULTS.largeNotional;
  if (!(Number.isFinite(threshold) && threshold > 0)) throw new RangeError(`startQueueWorkers: amlLargeNotional = ${threshold}, expected a positive number`);
  // Without the rules' parameters, amlLargeNotional is today's one threshold: the riskier levels' are never above it.
  const rules = opts.amlRules ?? amlRuleParams({
    largeNotional: { low: threshold, medium: Math.min(threshold, AML_RULE_DEFAULTS.largeNotional.medium), high: Math.min(threshold, AML_RULE_DEFAULTS.largeNotional.high) },
  });
  const persistConcurrency = opts.persistConcurrency ?? (db.kind === 'embedded' ? 1 : 3);
  const persist = queues.createWorker('persist', persistProcessor(opts.stores?.snapshots ?? pgSnapshotStore(db)), { concurrency: persistConcurrency });
  const monitoring = opts.amlMonitoring ?? true;
  const aml = queues.createWorker('aml', monitoring
    ? amlProcessor(opts.stores?.amlAlerts ?? pgAmlAlertStore(db.pool), pgStoredFills(db.pool), pgAmlActivity(db.pool, opts.customerProfiles ?? pgCustomerProfiles(db.pool)), rules)
    : amlMonitoringOff, { concurrency: 4 });
  const reports = opts.reports;
  // Rejected applicants' data keys are shredded with keys of this worker's own (not the engine's
  // cache): an applicant rejected five years ago is not in the engine's cache of active users.
  // Without the master keys, the run records the kind as skipped.
  const retention = (periods: RetentionPeriods) => {
    const run = retentionProcessor({
      pool: db.pool, policy: retentionPolicy(periods), reportsDir: join(opts.dataDir, 'reports'),
      ...(reports ? { shred: (userId: string, by: string) => pgDataKeys(db.pool, reports.masterKeys).shred(userId, by) } : {}),
    });
    return (job: Parameters<typeof run>[0]) => run(job);
  };
  const report = queues.createWorker('report', reportQueueProcessor({
    daily_positions_risk: reportProcessor(opts.stores?.reports ?? pgReportStore(db.pool), join(opts.dataDir, 'reports')),
    ...(reports ? {
      compliance_report: complianceReportProcessor({
        rows: pgReportRows(db.pool), definitions: REPORT_DEFINITIONS, sources: () => pgReportSources(db.pool, reports.settings, reports.masterKeys), ...(opts.log ? { log: opts.log } : {}),
      }),
    } : {}),
    ...(opts.retention ? { retention: retention(opts.retention) } : {}),
  }));
  const sweep = monitoring ? startAmlSweep({ db, queues, ...(opts.log ? { log: opts.log } : {}), ...opts.amlSweep }) : undefined;
  opts.log?.('info', 'queue workers started', { backend: queues.backend, persistConcurrency, amlMonitoring: monitoring, amlLargeNotional: rules.largeNotional.low });
  return {
    persist,
    aml,
    report,
    close: async () => {
      await sweep?.stop();
      await Promise.all([persist.close(), aml.close(), report.close()]);
    },
  };
}
