import { sql as core } from './0001-core.js';
import { sql as journal } from './0002-journal.js';
import { sql as queues } from './0003-queues.js';
import { sql as persistThroughput } from './0004-persist-throughput.js';
import { sql as snapshotCopy } from './0005-snapshot-copy.js';
import { sql as amlScreened } from './0006-aml-screened.js';
import { sql as fillsByTime } from './0007-fills-by-time.js';
import { sql as amlSweepWatermark } from './0008-aml-sweep-watermark.js';
import { sql as projectionAsyncCommit } from './0009-projection-async-commit.js';
import { sql as clientOrderIds } from './0010-client-order-ids.js';
import { sql as identity } from './0011-identity.js';
import { sql as dataKeys } from './0012-data-keys.js';
import { sql as rateLimits } from './0013-rate-limits.js';
import { sql as amlCases } from './0014-aml-cases.js';
import { sql as kyc } from './0015-kyc.js';
import { sql as tradingStateReason } from './0016-trading-state-reason.js';
import { sql as counterparty } from './0017-counterparty.js';
import { sql as complianceReports } from './0018-compliance-reports.js';
import { sql as gdpr } from './0019-gdpr.js';
import { sql as retentionRuns } from './0020-retention-runs.js';
import { sql as partitions } from './0021-partitions.js';

export interface Migration {
  /** Applied in increasing order; never renumber or edit one that has shipped, add a new one. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core', sql: core },
  { version: 2, name: 'journal', sql: journal },
  { version: 3, name: 'queues', sql: queues },
  { version: 4, name: 'persist-throughput', sql: persistThroughput },
  { version: 5, name: 'snapshot-copy', sql: snapshotCopy },
  { version: 6, name: 'aml-screened', sql: amlScreened },
  { version: 7, name: 'fills-by-time', sql: fillsByTime },
  { version: 8, name: 'aml-sweep-watermark', sql: amlSweepWatermark },
  { version: 9, name: 'projection-async-commit', sql: projectionAsyncCommit },
  { version: 10, name: 'client-order-ids', sql: clientOrderIds },
  { version: 11, name: 'identity', sql: identity },
  { version: 12, name: 'data-keys', sql: dataKeys },
  { version: 13, name: 'rate-limits', sql: rateLimits },
  { version: 14, name: 'aml-cases', sql: amlCases },
  { version: 15, name: 'kyc', sql: kyc },
  { version: 16, name: 'trading-state-reason', sql: tradingStateReason },
  { version: 17, name: 'counterparty', sql: counterparty },
  { version: 18, name: 'compliance-reports', sql: complianceReports },
  { version: 19, name: 'gdpr', sql: gdpr },
  { version: 20, name: 'retention-runs', sql: retentionRuns },
  { version: 21, name: 'partitions', sql: partitions },
];
