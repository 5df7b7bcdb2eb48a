/**
 * One MiFIR transaction report record (RTS 22, Delegated Regulation (EU) 2017/590, Annex I
 * Table 2) per execution (fill) of a listed option, from the facts the loader read. Pure.
 *
 * The record keeps the Table 2 fields that apply to an exchange-traded option executed by the
 * firm on a venue; the others are absent here and empty in the outputs, and RTS22_FIELDS says
 * why for each (docs/REPORTS.md ("MiFIR transaction report") lists them all).
 */

/** A natural person as RTS 22 identifies them: the national identifier plus names and birth date (fields 7–11). */
export interface Rts22Person {
  /** Country code + identifier, e.g. the CONCAT FR19800214JOHN#OBRIA. */
  readonly nationalId: string;
  readonly scheme: 'CONCAT';
  readonly firstNames: string;
  readonly surname: string;
  /** YYYY-MM-DD. */
  readonly dateOfBirth: string;
}

export type Rts22PartyId =
  | { readonly kind: 'lei'; readonly lei: string }
  | { readonly kind: 'mic'; readonly mic: string }
  | { readonly kind: 'person'; readonly person: Rts22Person };

/** Buyer or seller: fields 7–15 (buyer) / 16–24 (seller). */
export interface Rts22Side {
  readonly id: Rts22PartyId;
  /** Fields 8 / 17: where the firm received the client's order; null for the firm itself or the venue. */
  readonly branchCountry: string | null;
  /** Fields 12–15 / 21–24: who decided for the party under a discretionary mandate; null when the party decided. */
  readonly decisionMaker: { readonly kind: 'lei'; readonly lei: string } | null;
}

/** A person within the firm (fields 57–60), identified by their national identifier. */
export interface Rts22FirmPerson {
  readonly nationalId: string;
  readonly scheme: 'CONCAT';
  readonly branchCountry: string;
}

export interface Rts22Instrument {
  /** Field 42. */
  readonly fullName: string;
  /** Field 43, ISO 10962. */
  readonly cfi: string;
  /** Field 44. */
  readonly notionalCurrency: string;
  /** Field 46: units of the underlying per contract. */
  readonly priceMultiplier: number;
  /** Field 47: the underlying's ISIN. */
  readonly underlyingIsin: string;
  /** Field 50. */
  readonly optionType: 'CALL' | 'PUTO';
  /** Fields 51, 52. */
  readonly strike: number;
  readonly strikeCurrency: string;
  /** Field 53. */
  readonly exerciseStyle: 'AMER' | 'EURO' | 'BERM';
  /** Field 55, YYYY-MM-DD. */
  readonly expiryDate: string;
  /** Field 56. */
  readonly deliveryType: 'PHYS' | 'CASH';
}

export interface Rts22Record {
  /** Field 1: every record is a new report (a cancellation would be CANC). */
  readonly reportStatus: 'NEWT';
  /** Field 2. */
  readonly transactionReference: string;
  /** Field 4. */
  readonly executingEntity: string;
  /** Field 5. */
  readonly investmentFirm: true;
  /** Field 6. */
  readonly submittingEntity: string;
  readonly buyer: Rts22Side;
  readonly seller: Rts22Side;
  /** Field 25: the firm executed the order itself, it did not transmit it. */
  readonly transmission: false;
  /** Field 28: UTC, to the microsecond. */
  readonly tradingDateTime: string;
  /** Field 29. */
  readonly tradingCapacity: 'DEAL' | 'MTCH' | 'AOTC';
  /** Field 30: contracts. */
  readonly quantity: number;
  /** Fields 33, 34: premium per unit of the underlying. */
  readonly price: number;
  readonly priceCurrency: string;
  /** Field 36: MIC. */
  readonly venue: string;
  readonly instrument: Rts22Instrument;
  /** Fields 57, 58: null when the client decided (or the firm has no such person). */
  readonly investmentDecision: Rts22FirmPerson | null;
  /** Fields 59, 60: a person within the firm, or NORE when the client decided the execution. */
  readonly execution: Rts22FirmPerson | { readonly kind: 'client' };
  /** Field 62: only for shares and sovereign debt; null for an option (see RTS22_FIELDS). */
  readonly shortSelling: 'SESH' | 'SSEX' | 'SELL' | 'UNDI' | null;
  /** Field 65. */
  readonly securitiesFinancing: false;
  /** The engine's fill id, for the ordering only (never rendered: not a Table 2 field). */
  readonly fillId: string;
  readonly tsMs: number;
}

/** What the firm reports as: the settings, checked by the loader. */
export interface Rts22Firm {
  readonly lei: string;
  readonly venueMic: string;
  /** ISO 3166-1 alpha-2 of the branch (or home Member State) that receives orders; null when not configured. */
  readonly branchCountry: string | null;
  /** Currency of prices and strikes (ISO 4217). */
  readonly currency: string;
}

/** One execution as the loader read it, identifiers already validated. */
export interface Rts22Execution {
  readonly fillId: string;
  /** Field 2, derived by the loader from the fill id (≤ 52 capital letters and digits). */
  readonly transactionReference: string;
  readonly tsMs: number;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly instrument: Omit<Rts22Instrument, 'notionalCurrency' | 'strikeCurrency'>;
  /** The portfolio's owner, the client; null for a house portfolio (the firm deals on own account). */
  readonly client: Rts22Person | null;
  /** Whoever sent the order, when it is not the client: a person within the firm. */
  readonly firmDecisionMaker: Rts22FirmPerson | null;
}

export interface Rts22Input {
  readonly firm: Rts22Firm;
  readonly executions: readonly Rts22Execution[];
}

/** UTC ISO 8601 with six fractional digits; ms may carry a fraction (µs precision). */
export function utcMicros(tsMs: number): string {
  const micros = Math.round(tsMs * 1000);
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const extra = String(micros - ms * 1000).padStart(3, '0');
  return `${iso.slice(0, 23)}${extra}Z`;
}

export function toRts22Record(firm: Rts22Firm, e: Rts22Execution): Rts22Record {
  const venue: Rts22Side = { id: { kind: 'mic', mic: firm.venueMic }, branchCountry: null, decisionMaker: null };
  // The client's side: the client, with the firm as decision maker when someone within the firm
  // decided for them (a discretionary mandate); a house portfolio's side is the firm itself.
  const ours: Rts22Side = e.client
    ? { id: { kind: 'person', person: e.client }, branchCountry: firm.branchCountry, decisionMaker: e.firmDecisionMaker ? { kind: 'lei', lei: firm.lei } : null }
    : { id: { kind: 'lei', lei: firm.lei }, branchCountry: null, decisionMaker: null };
  return {
    reportStatus: 'NEWT',
    transactionReference: e.transactionReference,
    executingEntity: firm.lei,
    investmentFirm: true,
    submittingEntity: firm.lei,
    buyer: e.side === 'buy' ? ours : venue,
    seller: e.side === 'sell' ? ours : venue,
    transmission: false,
    tradingDateTime: utcMicros(e.tsMs),
    tradingCapacity: e.client ? 'AOTC' : 'DEAL',
    quantity: e.qty,
    price: e.price,
    priceCurrency: firm.currency,
    venue: firm.venueMic,
    instrument: { ...e.instrument, notionalCurrency: firm.currency, strikeCurrency: firm.currency },
    investmentDecision: e.firmDecisionMaker,
    execution: e.firmDecisionMaker ?? { kind: 'client' },
    shortSelling: null,
    securitiesFinancing: false,
    fillId: e.fillId,
    tsMs: e.tsMs,
  };
}

/** Records in a fixed order: execution time, then fill id (never the order rows came back in). */
export function rts22Records(input: Rts22Input): Rts22Record[] {
  return input.executions
    .map((e) => toRts22Record(input.firm, e))
    .sort((a, b) => a.tsMs - b.tsMs || (a.fillId < b.fillId ? -1 : a.fillId > b.fillId ? 1 : 0));
}

/**
 * A decimal without exponent or float noise: at most `fractionDigits` decimals, trailing zeros
 * removed (2.35 → "2.35", 100 → "100"). The XSD's decimal types allow 13 to 17 fraction digits.
 */
export function decimalString(x: number, fractionDigits = 13): string {
  if (!Number.isFinite(x)) throw new RangeError(`decimalString: ${x}`);
  const s = x.toFixed(fractionDigits);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
