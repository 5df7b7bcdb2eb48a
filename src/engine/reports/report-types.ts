/**
 * The pure vocabulary of compliance reports: types, formats, a checked request, the settings and
 * the identity a report may name, and the error a report fails with. The contract between the
 * report queue and each report type (load, render) is src/workers/reports/report-definition.ts,
 * which re-exports these.
 */
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
  /** The reporting firm's LEI (ISO 17442), the executing and submitting entity of RTS 22 (FIRM_LEI; undefined: not set). */
  readonly firmLei: string | undefined;
  /** ISO 3166-1 alpha-2 country of the firm's branch (FIRM_COUNTRY): RTS 22 fields 8, 17, 58 and 60. */
  readonly firmCountry: string | undefined;
  /** MIC (ISO 10383) of the venue the engine's executions are reported on (TRADING_VENUE_MIC). */
  readonly venueMic: string | undefined;
  /** Underlying symbol → ISIN (ISO 6166), from UNDERLYING_ISINS. */
  readonly underlyingIsins: ReadonlyMap<string, string>;
  /** FINRA 2360 reporting threshold in contracts on the same side of the market (200). */
  readonly largePositionContracts: number;
  /** Continuous risk-free rate the risk reports value options at (RISK_FREE_RATE, the engine's). */
  readonly riskFreeRate: number;
  /** The daily price histories (PRICES_DIR); undefined when none is configured. */
  readonly pricesDir: string | undefined;
}

/** Why a report failed, with a stable code (the report's row keeps both, and GET shows them). */
export class ReportError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

