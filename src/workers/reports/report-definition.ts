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

export const REPORT_TYPES = ['rts22', 'daily-risk', 'capital', 'large-positions', 'aml', 'privileged-changes'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_FORMATS = ['json', 'csv', 'xml', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const CONTENT_TYPES: { readonly [F in ReportFormat]: string } = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** A checked request: `from` and `to` are UTC calendar days YYYY-MM-DD, inclusive (a day report has from = to). */
export interface ReportRequest {
  readonly type: ReportType;
  readonly from: string;
  readonly to: string;
  /** Only this portfolio's records, when the type takes one. */
  readonly portfolioId?: string;
  readonly format: ReportFormat;
}

/** The identity of a customer as their KYC case holds it, decrypted; null where erased or never submitted. */
export interface CustomerIdentity {
  readonly userId: string;
  /** Given names and surname joined by a space (display). */
  readonly legalName: string;
  readonly givenNames: string;
  readonly surname: string;
  /** YYYY-MM-DD. */
  readonly dateOfBirth: string;
  /** ISO 3166-1 alpha-2. */
  readonly nationality: string;
  readonly countryOfResidence: string;
  readonly address: string;
  readonly documentType: 'passport' | 'id_card' | 'driving_licence';
  readonly documentNumber: string;
}

/** Settings of the reports (src/config.ts maps the environment onto them). */
export interface ReportSettings {
  /** The reporting firm's LEI (ISO 17442), the executing and submitting entity of RTS 22. */
  readonly firmLei: string;
  /** MIC (ISO 10383) of the venue the engine's executions are reported on. */
  readonly venueMic: string;
  /** Underlying symbol → ISIN (ISO 6166), from UNDERLYING_ISINS. */
  readonly underlyingIsins: ReadonlyMap<string, string>;
  /** FINRA 2360 reporting threshold in contracts on the same side of the market (200). */
  readonly largePositionContracts: number;
  /** The daily price histories (PRICES_DIR); undefined when none is configured. */
  readonly pricesDir: string | undefined;
}

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

/** Why a report failed, with a stable code (the report's row keeps both, and GET shows them). */
export class ReportError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ReportError';
  }
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
