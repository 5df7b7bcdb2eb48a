/**
 * The large options position report of one day (FINRA Rule 2360(b)(5)), rendered as JSON or CSV.
 * What it holds: each account with a side of 200 or more contracts in one underlying, the side's
 * legs and every position it is made of, and who the account is: for a customer the legal name,
 * address and identity document of their KYC case (the rule asks for name, address and an
 * identifying number, nothing more: no date of birth, nationality or residence); for the house
 * account the firm's LEI.
 */
import { csvLines } from '../csv-lines.js';
import { type BookPosition, type ContributingPosition, type ReportableSide, accountKey, reportableSides } from './large-position-aggregation.js';

/** The identity fields the report needs of a customer (of the KYC identity, decrypted by the loader). */
export interface ReportedIdentity {
  readonly legalName: string;
  readonly address: string;
  readonly documentType: 'passport' | 'id_card' | 'driving_licence';
  readonly documentNumber: string;
}

export interface LargePositionsInput {
  /** The day whose closing book this is, YYYY-MM-DD. */
  readonly day: string;
  readonly thresholdContracts: number;
  /** Identifies the house account. */
  /** The firm's LEI names its house account; null when FIRM_LEI is not set. */
  readonly firmLei: string | null;
  /** The book at the end of the day (option positions; others are ignored). */
  readonly positions: readonly BookPosition[];
  /** Of the customers with a reportable side only; null: no KYC identity (never submitted, or erased). */
  readonly identities: Readonly<Record<string, ReportedIdentity | null>>;
}

interface SideJson {
  readonly underlying: string;
  readonly side: 'bullish' | 'bearish';
  readonly contracts: number;
  readonly legs: Readonly<Record<string, number>>;
  readonly positions: readonly ContributingPosition[];
}

interface AccountJson {
  readonly account: string;
  readonly accountType: 'customer' | 'house';
  readonly ownerId: string | null;
  readonly lei: string | null;
  readonly identity: ReportedIdentity | null;
  readonly sides: SideJson[];
}

/** The legs a side combines, named for what they are. */
export function legsOf(s: ReportableSide): Record<string, number> {
  return s.side === 'bullish' ? { longCalls: s.longContracts, shortPuts: s.shortContracts } : { longPuts: s.longContracts, shortCalls: s.shortContracts };
}

function identityOf(input: LargePositionsInput, ownerId: string): ReportedIdentity | null {
  const i = input.identities[ownerId];
  // Only the four fields, whatever else the caller's object carries.
  return i ? { legalName: i.legalName, address: i.address, documentType: i.documentType, documentNumber: i.documentNumber } : null;
}

export function largePositionAccounts(input: LargePositionsInput): AccountJson[] {
  const accounts = new Map<string, AccountJson>();
  for (const s of reportableSides(input.positions, input.thresholdContracts)) {
    const key = accountKey(s.account);
    let a = accounts.get(key);
    if (!a) {
      a = s.account.kind === 'customer'
        ? { account: key, accountType: 'customer', ownerId: s.account.ownerId, lei: null, identity: identityOf(input, s.account.ownerId), sides: [] }
        : { account: key, accountType: 'house', ownerId: null, lei: input.firmLei, identity: null, sides: [] };
      accounts.set(key, a);
    }
    a.sides.push({
      underlying: s.underlying, side: s.side, contracts: s.contracts, legs: legsOf(s),
      positions: s.positions.map((p) => ({ portfolioId: p.portfolioId, instrument: p.instrument, putCall: p.putCall, expiry: p.expiry, strike: p.strike, longShort: p.longShort, contracts: p.contracts })),
    });
  }
  return [...accounts.values()];
}

export function renderLargePositionsJson(input: LargePositionsInput): string {
  return `${JSON.stringify({
    report: 'large-positions', rule: 'FINRA 2360(b)(5)', asOf: input.day, thresholdContracts: input.thresholdContracts,
    accounts: largePositionAccounts(input),
  }, null, 2)}\n`;
}

export const LARGE_POSITIONS_CSV_HEADER = [
  'as_of', 'account', 'account_type', 'lei', 'legal_name', 'address', 'document_type', 'document_number',
  'underlying', 'side', 'side_contracts', 'portfolio_id', 'instrument', 'put_call', 'expiry', 'strike', 'long_short', 'contracts',
] as const;

/** One line per contributing position, its account and side repeated (a regulator's intake reads flat rows). */
export function renderLargePositionsCsv(input: LargePositionsInput): string {
  const rows: (string | number | null)[][] = [];
  for (const a of largePositionAccounts(input)) {
    for (const s of a.sides) {
      for (const p of s.positions) {
        rows.push([
          input.day, a.account, a.accountType, a.lei, a.identity?.legalName ?? null, a.identity?.address ?? null, a.identity?.documentType ?? null, a.identity?.documentNumber ?? null,
          s.underlying, s.side, s.contracts, p.portfolioId, p.instrument, p.putCall, p.expiry, p.strike, p.longShort, p.contracts,
        ]);
      }
    }
  }
  return csvLines(LARGE_POSITIONS_CSV_HEADER, rows);
}
