/**
 * The 65 fields of RTS 22 Annex I Table 2 in their order, each with how a record fills it or, for
 * those that stay empty for the engine's executions, why. The CSV has one column per field in
 * this order; docs/REPORTS.md ("MiFIR transaction report") is this table in prose.
 */
import { decimalString, type Rts22FirmPerson, type Rts22PartyId, type Rts22Record, type Rts22Side } from './rts22-record.js';

export interface Rts22Field {
  readonly no: number;
  readonly name: string;
  /** The value in the CSV; '' when empty for this record. */
  readonly value: (r: Rts22Record) => string;
  /** Why it is always empty for the engine's executions; undefined for a field that is filled. */
  readonly emptyBecause?: string;
}

const EMPTY = () => '';
const partyCode = (p: Rts22PartyId) => (p.kind === 'lei' ? p.lei : p.kind === 'mic' ? p.mic : p.person.nationalId);
const person = (s: Rts22Side) => (s.id.kind === 'person' ? s.id.person : undefined);
const firmPerson = (p: Rts22FirmPerson | { kind: 'client' } | null): Rts22FirmPerson | undefined => (p && 'nationalId' in p ? p : undefined);

function sideFields(first: number, who: 'Buyer' | 'Seller', pick: (r: Rts22Record) => Rts22Side): Rts22Field[] {
  const dm = who === 'Buyer' ? 'Buy' : 'Sell';
  const na = `a decision maker other than the ${who.toLowerCase()} is only ever the firm (an LEI), never a natural person`;
  return [
    { no: first, name: `${who} identification code`, value: (r) => partyCode(pick(r).id) },
    { no: first + 1, name: `Country of the branch for the ${who.toLowerCase()}`, value: (r) => pick(r).branchCountry ?? '' },
    { no: first + 2, name: `${who} - first name(s)`, value: (r) => person(pick(r))?.firstNames ?? '' },
    { no: first + 3, name: `${who} - surname(s)`, value: (r) => person(pick(r))?.surname ?? '' },
    { no: first + 4, name: `${who} - date of birth`, value: (r) => person(pick(r))?.dateOfBirth ?? '' },
    { no: first + 5, name: `${who} decision maker code`, value: (r) => pick(r).decisionMaker?.lei ?? '' },
    { no: first + 6, name: `${dm} decision maker - first name(s)`, value: EMPTY, emptyBecause: na },
    { no: first + 7, name: `${dm} decision maker - surname(s)`, value: EMPTY, emptyBecause: na },
    { no: first + 8, name: `${dm} decision maker - date of birth`, value: EMPTY, emptyBecause: na },
  ];
}

export const RTS22_FIELDS: readonly Rts22Field[] = [
  { no: 1, name: 'Report status', value: (r) => r.reportStatus },
  { no: 2, name: 'Transaction reference number', value: (r) => r.transactionReference },
  { no: 3, name: 'Trading venue transaction identification code', value: EMPTY, emptyBecause: "the engine's fills do not carry the venue's own trade identifier; it has to come from the venue's execution report" },
  { no: 4, name: 'Executing entity identification code', value: (r) => r.executingEntity },
  { no: 5, name: 'Investment firm covered by Directive 2014/65/EU', value: (r) => String(r.investmentFirm) },
  { no: 6, name: 'Submitting entity identification code', value: (r) => r.submittingEntity },
  ...sideFields(7, 'Buyer', (r) => r.buyer),
  ...sideFields(16, 'Seller', (r) => r.seller),
  { no: 25, name: 'Transmission of order indicator', value: (r) => String(r.transmission) },
  { no: 26, name: 'Transmitting firm identification code for the buyer', value: EMPTY, emptyBecause: 'the firm executes orders itself; no order is transmitted under Article 4 of RTS 22' },
  { no: 27, name: 'Transmitting firm identification code for the seller', value: EMPTY, emptyBecause: 'as field 26' },
  { no: 28, name: 'Trading date time', value: (r) => r.tradingDateTime },
  { no: 29, name: 'Trading capacity', value: (r) => r.tradingCapacity },
  { no: 30, name: 'Quantity', value: (r) => decimalString(r.quantity, 17) },
  { no: 31, name: 'Quantity currency', value: EMPTY, emptyBecause: 'only for a quantity given as a nominal or monetary value; an option is counted in contracts' },
  { no: 32, name: 'Derivative notional increase/decrease', value: EMPTY, emptyBecause: 'only for a change in the notional of an existing derivative; every fill is a new transaction' },
  { no: 33, name: 'Price', value: (r) => decimalString(r.price) },
  { no: 34, name: 'Price currency', value: (r) => r.priceCurrency },
  { no: 35, name: 'Net amount', value: EMPTY, emptyBecause: 'only for debt instruments' },
  { no: 36, name: 'Venue', value: (r) => r.venue },
  { no: 37, name: 'Country of the branch membership', value: EMPTY, emptyBecause: 'only when the firm trades through the venue membership of a branch; the firm is a member directly' },
  { no: 38, name: 'Up-front payment', value: EMPTY, emptyBecause: 'only for swaps and similar; an option premium is the price (field 33)' },
  { no: 39, name: 'Up-front payment currency', value: EMPTY, emptyBecause: 'as field 38' },
  { no: 40, name: 'Complex trade component id', value: EMPTY, emptyBecause: 'the engine executes single instruments, never a strategy reported as components' },
  { no: 41, name: 'Instrument identification code', value: EMPTY, emptyBecause: "the option's own ISIN is not known to the engine (OCC symbols, no reference-data feed); the instrument is described by fields 42–56 instead" },
  { no: 42, name: 'Instrument full name', value: (r) => r.instrument.fullName },
  { no: 43, name: 'Instrument classification', value: (r) => r.instrument.cfi },
  { no: 44, name: 'Notional currency 1', value: (r) => r.instrument.notionalCurrency },
  { no: 45, name: 'Notional currency 2', value: EMPTY, emptyBecause: 'only for foreign exchange and swaps' },
  { no: 46, name: 'Price multiplier', value: (r) => decimalString(r.instrument.priceMultiplier, 17) },
  { no: 47, name: 'Underlying instrument code', value: (r) => r.instrument.underlyingIsin },
  { no: 48, name: 'Underlying index name', value: EMPTY, emptyBecause: 'the underlyings are shares or ETF units identified by ISIN (field 47), not indices' },
  { no: 49, name: 'Term of the underlying index', value: EMPTY, emptyBecause: 'as field 48' },
  { no: 50, name: 'Option type', value: (r) => r.instrument.optionType },
  { no: 51, name: 'Strike price', value: (r) => decimalString(r.instrument.strike) },
  { no: 52, name: 'Strike price currency', value: (r) => r.instrument.strikeCurrency },
  { no: 53, name: 'Option exercise style', value: (r) => r.instrument.exerciseStyle },
  { no: 54, name: 'Maturity date', value: EMPTY, emptyBecause: 'only for debt instruments' },
  { no: 55, name: 'Expiry date', value: (r) => r.instrument.expiryDate },
  { no: 56, name: 'Delivery type', value: (r) => r.instrument.deliveryType },
  { no: 57, name: 'Investment decision within firm', value: (r) => r.investmentDecision?.nationalId ?? '' },
  { no: 58, name: 'Country of the branch responsible for the person making the investment decision', value: (r) => r.investmentDecision?.branchCountry ?? '' },
  { no: 59, name: 'Execution within firm', value: (r) => firmPerson(r.execution)?.nationalId ?? 'NORE' },
  { no: 60, name: 'Country of the branch supervising the person responsible for the execution', value: (r) => firmPerson(r.execution)?.branchCountry ?? '' },
  { no: 61, name: 'Waiver indicator', value: EMPTY, emptyBecause: 'set by the trading venue for its own pre-trade transparency waivers, not by the executing firm' },
  { no: 62, name: 'Short selling indicator', value: (r) => r.shortSelling ?? '', emptyBecause: 'only for shares and sovereign debt (Regulation (EU) No 236/2012); selling an option is not a short sale of its underlying, and equity fills are not in this report' },
  { no: 63, name: 'OTC post-trade indicator', value: EMPTY, emptyBecause: 'only for transactions outside a trading venue; every execution here is on the venue (field 36)' },
  { no: 64, name: 'Commodity derivative indicator', value: EMPTY, emptyBecause: 'only for commodity derivatives; the underlyings are equities' },
  { no: 65, name: 'Securities financing transaction indicator', value: (r) => String(r.securitiesFinancing) },
];
