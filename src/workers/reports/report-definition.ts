/**
 * What one report type is to the report queue (src/workers/reports/report-processor.ts): how it
 * reads its inputs (I/O, in src/persistence/reports/) and how it renders them (pure, in
 * src/engine/reports/). The processor stores the rendered bytes with their sha256 and the versions
 * of the data the load read, so a report of a day regenerated later is compared by hash, and a
 * different hash is explained by a different version.
 *
 * Reproducibility is the renderer's contract: the same input gives the same bytes. So nothing in
 * a rendered report may come from the clock, a random id or the order rows happen to come back in
 * (loaders ORDER BY a key); the generation time lives on the report's row, not in its content.
 */
import type pg from 'pg';
import type { ReportFormat, ReportRequest, ReportSettings, ReportType, CustomerIdentity } from '../../engine/reports/report-types.js';

export * from '../../engine/reports/report-types.js';

/** What a loader may read. */
export interface ReportSources {
  /** The engine's database (queries only: a report never writes the business tables). */
  readonly pool: pg.Pool;
  readonly settings: ReportSettings;
  /** A customer's decrypted KYC identity; null when they have no case or their data was erased. */
  identityOf(userId: string): Promise<CustomerIdentity | null>;
}

export interface LoadedInput<I> {
  readonly input: I;
  /**
   * The versions of the data read, by source: e.g. `{ journalSeq: 1234, auditSeq: 77,
   * prices: '<sha256 of the files>' }`. Stored beside the report; two runs with equal versions
   * must give equal bytes.
   */
  readonly versions: Readonly<Record<string, string | number>>;
}

export interface ReportDefinition<I> {
  readonly type: ReportType;
  /** Formats this type renders; the first is the default. */
  readonly formats: readonly ReportFormat[];
  /** 'day': one business day (from = to); 'range': a period. */
  readonly period: 'day' | 'range';
  /** Whether `portfolioId` narrows it. */
  readonly byPortfolio: boolean;
  /** Reads the inputs; throws ReportError when they cannot make a valid report (a bad identifier, no prices). */
  load(src: ReportSources, req: ReportRequest): Promise<LoadedInput<I>>;
  /** Pure and deterministic: the same input and request give the same string. */
  render(input: I, req: ReportRequest, format: ReportFormat): string;
}
