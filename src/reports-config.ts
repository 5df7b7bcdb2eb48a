/**
 * The compliance reports' settings from the environment (src/config.ts parses the variables; this
 * resolves them against NODE_ENV and checks what crosses fields).
 *
 * - MIFID_II_REPORTING_ENABLED and SOX_COMPLIANCE_ENABLED default on in production (the product's
 *   contract) and elsewhere: SOX on (it only reads the audit trail), MiFID off (a development
 *   engine has no LEI to report under).
 * - With MiFID reporting on in production, FIRM_LEI, FIRM_COUNTRY and TRADING_VENUE_MIC are required: a
 *   transaction report without the firm's identity is not a report. Elsewhere their absence only
 *   makes an RTS 22 report fail, naming the setting.
 * - UNDERLYING_ISINS is parsed and every ISIN's check digit verified here, once, so a typo is a
 *   refused start rather than a report that fails at 22:00.
 */
import { validateIsin, validateLei } from './engine/reports/identifiers.js';
import type { ReportSettings } from './engine/reports/report-types.js';

export interface ReportsConfig {
  readonly mifidReporting: boolean;
  readonly soxCompliance: boolean;
  /** Business days back that the start-up catch-up looks for scheduled reports that never ran. */
  readonly catchUpDays: number;
  /** Without pricesDir and riskFreeRate (PRICES_DIR and RISK_FREE_RATE are the engine's); main.ts adds them. */
  readonly settings: Omit<ReportSettings, 'pricesDir' | 'riskFreeRate'>;
}

interface ReportEnv {
  readonly NODE_ENV: 'development' | 'production' | 'test';
  readonly MIFID_II_REPORTING_ENABLED?: boolean | undefined;
  readonly SOX_COMPLIANCE_ENABLED?: boolean | undefined;
  readonly FIRM_LEI?: string | undefined;
  readonly TRADING_VENUE_MIC?: string | undefined;
  readonly FIRM_COUNTRY?: string | undefined;
  readonly UNDERLYING_ISINS?: string | undefined;
  readonly LARGE_POSITION_CONTRACTS: number;
  readonly REPORT_CATCH_UP_DAYS: number;
}

/** `SPY=US78462F1030,AAPL=US0378331005` → a map, or the problems (pushed to `refused`). */
export function parseUnderlyingIsins(text: string | undefined, refused: string[]): Map<string, string> {
  const map = new Map<string, string>();
  if (text === undefined) return map;
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([A-Za-z0-9.^_-]{1,12})=([A-Za-z0-9]{12})$/.exec(part);
    if (!m) {
      refused.push(`UNDERLYING_ISINS: "${part.slice(0, 40)}" is not SYMBOL=ISIN (e.g. SPY=US78462F1030)`);
      continue;
    }
    const symbol = (m[1] as string).toUpperCase();
    const isin = (m[2] as string).toUpperCase();
    const checked = validateIsin(isin);
    if (!checked.ok) refused.push(`UNDERLYING_ISINS: ${symbol}=${isin}: ${checked.message}`);
    else if (map.has(symbol)) refused.push(`UNDERLYING_ISINS: ${symbol} is given twice`);
    else map.set(symbol, isin);
  }
  return map;
}

export function reportsConfig(e: ReportEnv, refused: string[]): ReportsConfig {
  const production = e.NODE_ENV === 'production';
  const mifidReporting = e.MIFID_II_REPORTING_ENABLED ?? production;
  const soxCompliance = e.SOX_COMPLIANCE_ENABLED ?? true;
  if (e.FIRM_LEI !== undefined) {
    const checked = validateLei(e.FIRM_LEI);
    if (!checked.ok) refused.push(`FIRM_LEI: ${checked.message}`);
  }
  if (production && mifidReporting) {
    if (e.FIRM_LEI === undefined) refused.push('FIRM_LEI: required in production while MIFID_II_REPORTING_ENABLED is on (the RTS 22 report names the firm by its LEI)');
    if (e.FIRM_COUNTRY === undefined) refused.push('FIRM_COUNTRY: required in production while MIFID_II_REPORTING_ENABLED is on (the country of the branch RTS 22 reports for)');
    if (e.TRADING_VENUE_MIC === undefined) refused.push('TRADING_VENUE_MIC: required in production while MIFID_II_REPORTING_ENABLED is on (the venue of the reported executions)');
  }
  const underlyingIsins = parseUnderlyingIsins(e.UNDERLYING_ISINS, refused);
  return Object.freeze({
    mifidReporting, soxCompliance, catchUpDays: e.REPORT_CATCH_UP_DAYS,
    settings: Object.freeze({ firmLei: e.FIRM_LEI, firmCountry: e.FIRM_COUNTRY, venueMic: e.TRADING_VENUE_MIC, underlyingIsins, largePositionContracts: e.LARGE_POSITION_CONTRACTS }),
  });
}
