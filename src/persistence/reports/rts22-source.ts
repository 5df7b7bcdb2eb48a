/**
 * Reads what the RTS 22 transaction report of a period needs: the fills of listed options made in
 * [from 00:00Z, to + 1 day 00:00Z), each with its order (who sent it) and portfolio (whose it is),
 * the client's KYC identity, and the settings' identifiers, all checked here so that a report that
 * would be wrong is refused with a stable code instead:
 *   REPORT_LEI_INVALID        the firm's LEI fails ISO 17442
 *   REPORT_ISIN_MISSING       an option's underlying has no ISIN in UNDERLYING_ISINS (names it)
 *   REPORT_ISIN_INVALID       the configured ISIN fails ISO 6166
 *   REPORT_CFI_INVALID        the CFI built from a contract's terms is not valid (a bug guard)
 *   REPORT_IDENTITY_MISSING   a client with executions has no identity (no KYC case, or erased)
 *   REPORT_IDENTITY_INVALID   the identity cannot make a CONCAT (no letters in a name, bad date)
 *   REPORT_DECISION_MAKER_UNIDENTIFIED  an order sent by someone other than the client, whose
 *                             identity (a national identifier for fields 57/59) is not known
 *   REPORT_FIRM_COUNTRY_MISSING  such a person needs the branch country (fields 58/60) and the
 *                             settings have none
 *   REPORT_VENUE_INVALID      the venue MIC is not four capital letters or digits
 *
 * Why a missing identity fails the whole report rather than leaving a record out or flagging it:
 * MiFIR obliges the firm to report every execution, completely; a file with a hole passes no
 * validation at the regulator and a silently shorter file is worse. The operator fixes the cause
 * (the client's KYC) and regenerates. Erasure does not apply to data MiFIR requires the firm to
 * keep (GDPR Art. 17(3)(b)), so an erased identity here is itself the problem to escalate.
 *
 * Scope: options only (OCC symbols). Fills of plain underlyings (shares) are not in this report:
 * the issue asks for exchange-traded options, and a share needs its own ISIN and the short
 * selling indicator worked out from the position before each fill; they are counted in the
 * versions (outOfScopeFills) so it shows.
 */
import { createHash } from 'node:crypto';
import { standardMultiplierOf } from '../../engine/actors/position-update.js';
import { parseOccSymbol } from '../../engine/instruments/occ-symbol.js';
import { cfiOfListedOption, validateCfi, validateIsin, validateLei } from '../../engine/reports/identifiers.js';
import { concatNationalId } from '../../engine/reports/rts22/concat-id.js';
import type { Rts22Execution, Rts22FirmPerson, Rts22Input, Rts22Person } from '../../engine/reports/rts22/rts22-record.js';
import { ReportError, type CustomerIdentity, type LoadedInput, type ReportRequest, type ReportSettings, type ReportSources } from '../../workers/reports/report-definition.js';

/**
 * Currency of every price and strike. The engine trades OCC-listed (US) options, priced in USD;
 * the settings carry no currency because the engine has only this one.
 */
export const RTS22_CURRENCY = 'USD';

/**
 * The country of the firm's branch (ISO 3166-1 alpha-2) for fields 8/17 and 58/60. Not (yet) a
 * field of ReportSettings: read when the integrator adds `firmCountry` to them, else null.
 */
export function firmCountryOf(settings: ReportSettings): string | null {
  return settings.firmCountry ?? null;
}

/**
 * Field 2, the transaction reference number: ESMA allows only [A-Z0-9]{1,52}, and fill ids
 * (`<portfolio>-f<n>`, any portfolio id) do not fit that. The base32 (RFC 4648) of the fill id's
 * sha256 is exactly 52 such characters, the same for the same fill in every regeneration, and
 * unique per fill; to find the fill of a TRN, hash the fill ids.
 */
export function transactionReferenceOf(fillId: string): string {
  const bytes = createHash('sha256').update(fillId, 'utf8').digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

const DAY_MS = 86_400_000;
const dayStartMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

interface FillRow {
  fill_id: string; portfolio_id: string; instrument: string; side: 'buy' | 'sell'; qty: number; price: number; ts_ms: number;
  submitted_by: string; owner_id: string | null; projected_at: string;
}

interface Opening { instrument: string; multiplier?: number; style?: 'european' | 'american' }

function person(identity: CustomerIdentity, what: string): Rts22Person {
  const id = concatNationalId(identity);
  if (!id.ok) throw new ReportError('REPORT_IDENTITY_INVALID', `the identity of ${what} cannot make an RTS 22 national identifier: ${id.message}`);
  return { nationalId: id.value, scheme: 'CONCAT', firstNames: identity.givenNames, surname: identity.surname, dateOfBirth: identity.dateOfBirth };
}

export async function loadRts22(src: ReportSources, req: ReportRequest): Promise<LoadedInput<Rts22Input>> {
  const { settings } = src;
  if (settings.firmLei === undefined) throw new ReportError('REPORT_SETTINGS_MISSING', 'FIRM_LEI is not set: the RTS 22 report names the firm by its LEI');
  if (settings.venueMic === undefined) throw new ReportError('REPORT_SETTINGS_MISSING', 'TRADING_VENUE_MIC is not set: the RTS 22 report names the venue of each execution');
  const lei = validateLei(settings.firmLei);
  if (!lei.ok) throw new ReportError('REPORT_LEI_INVALID', `FIRM_LEI: ${lei.message}`);
  if (!/^[A-Z0-9]{4}$/.test(settings.venueMic)) throw new ReportError('REPORT_VENUE_INVALID', `TRADING_VENUE_MIC "${settings.venueMic}" is not an ISO 10383 MIC (four capital letters or digits)`);
  const branchCountry = firmCountryOf(settings);

  const fromMs = dayStartMs(req.from);
  const endMs = dayStartMs(req.to) + DAY_MS;
  const one = req.portfolioId !== undefined;
  const { rows } = await src.pool.query<FillRow>(
    `SELECT f.fill_id, f.portfolio_id, f.instrument, f.side, f.qty, f.price, f.ts_ms, o.submitted_by, p.owner_id,
            to_char(f.projected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS projected_at
     FROM fills f JOIN orders o ON o.order_id = f.order_id JOIN portfolios p ON p.portfolio_id = f.portfolio_id
     WHERE f.ts_ms >= $1 AND f.ts_ms < $2 ${one ? 'AND f.portfolio_id = $3' : ''}
     ORDER BY f.ts_ms, f.fill_id`,
    one ? [fromMs, endMs, req.portfolioId] : [fromMs, endMs]);

  const options = rows.map((r) => ({ row: r, contract: parseOccSymbol(r.instrument) })).filter((x) => x.contract.ok);
  const outOfScopeFills = rows.length - options.length;

  // Terms the fills do not carry (multiplier, exercise style): the position's, else what the
  // portfolio was opened with, else a listed contract's defaults (as positionsAsOf does).
  const portfolioIds = [...new Set(options.map((o) => o.row.portfolio_id))];
  const [terms, openings] = await Promise.all([
    src.pool.query<{ portfolio_id: string; instrument: string; multiplier: number; style: 'european' | 'american' }>(
      'SELECT portfolio_id, instrument, multiplier, style FROM positions WHERE portfolio_id = ANY($1)', [portfolioIds]),
    src.pool.query<{ portfolio_id: string; initial_positions: Opening[] }>(
      'SELECT portfolio_id, initial_positions FROM portfolios WHERE portfolio_id = ANY($1)', [portfolioIds]),
  ]);
  const termOf = new Map<string, { multiplier?: number; style?: 'european' | 'american' }>();
  for (const o of openings.rows) for (const p of o.initial_positions) termOf.set(`${o.portfolio_id}\u0000${p.instrument}`, p);
  for (const t of terms.rows) termOf.set(`${t.portfolio_id}\u0000${t.instrument}`, t);

  // Identities, once per user, in a fixed order so the digest below is stable.
  const identities = new Map<string, CustomerIdentity | null>();
  const users = [...new Set(options.flatMap(({ row }) => (row.owner_id !== null ? [row.owner_id, row.submitted_by] : [row.submitted_by])))].sort();
  for (const u of users) identities.set(u, await src.identityOf(u));

  const executions: Rts22Execution[] = [];
  for (const { row, contract } of options) {
    if (!contract.ok) continue;
    const c = contract.value;
    const isin = settings.underlyingIsins.get(c.underlying);
    if (isin === undefined) throw new ReportError('REPORT_ISIN_MISSING', `no ISIN for the underlying ${c.underlying} (fill ${row.fill_id}): add it to UNDERLYING_ISINS`);
    const isinOk = validateIsin(isin);
    if (!isinOk.ok) throw new ReportError('REPORT_ISIN_INVALID', `UNDERLYING_ISINS ${c.underlying}: ${isinOk.message}`);
    const t = termOf.get(`${row.portfolio_id}\u0000${row.instrument}`);
    const style = t?.style ?? 'european';
    const cfi = cfiOfListedOption({ type: c.type, style, underlying: 'S', delivery: 'physical', standardised: true });
    const cfiOk = validateCfi(cfi);
    if (!cfiOk.ok) throw new ReportError('REPORT_CFI_INVALID', `${row.instrument}: ${cfiOk.message}`);

    let client: Rts22Person | null = null;
    if (row.owner_id !== null) {
      const identity = identities.get(row.owner_id) ?? null;
      if (!identity) throw new ReportError('REPORT_IDENTITY_MISSING', `the client ${row.owner_id} of portfolio ${row.portfolio_id} has no KYC identity (none submitted, or erased), and fill ${row.fill_id} must name them`);
      client = person(identity, `client ${row.owner_id}`);
    }
    // The client sent the order themselves: they decided, nobody within the firm did (57 empty,
    // 59 NORE). Anyone else (a trader of the firm, or any order of a house portfolio) is a person
    // within the firm who decided and executed.
    let firmDecisionMaker: Rts22FirmPerson | null = null;
    if (row.submitted_by !== row.owner_id) {
      const identity = identities.get(row.submitted_by) ?? null;
      if (!identity) throw new ReportError('REPORT_DECISION_MAKER_UNIDENTIFIED', `order of fill ${row.fill_id} was sent by ${row.submitted_by}, a person within the firm with no identity to report as decision maker (fields 57, 59)`);
      if (branchCountry === null) throw new ReportError('REPORT_FIRM_COUNTRY_MISSING', `fill ${row.fill_id} names a person within the firm, whose branch country (fields 58, 60) is not configured`);
      firmDecisionMaker = { nationalId: person(identity, `user ${row.submitted_by}`).nationalId, scheme: 'CONCAT', branchCountry };
    }

    executions.push({
      fillId: row.fill_id,
      transactionReference: transactionReferenceOf(row.fill_id),
      tsMs: row.ts_ms,
      side: row.side,
      qty: row.qty,
      price: row.price,
      instrument: {
        fullName: `${c.underlying} ${c.expiry} ${c.type === 'call' ? 'C' : 'P'} ${c.strike}`,
        cfi,
        priceMultiplier: t?.multiplier ?? standardMultiplierOf(row.instrument) ?? 100,
        underlyingIsin: isin,
        optionType: c.type === 'call' ? 'CALL' : 'PUTO',
        strike: c.strike,
        exerciseStyle: style === 'american' ? 'AMER' : 'EURO',
        expiryDate: c.expiry,
        deliveryType: 'PHYS',
      },
      client,
      firmDecisionMaker,
    });
  }

  const input: Rts22Input = { firm: { lei: settings.firmLei, venueMic: settings.venueMic, branchCountry, currency: RTS22_CURRENCY }, executions };
  const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
  return {
    input,
    versions: {
      fills: executions.length,
      outOfScopeFills,
      newestProjectedAt: rows.reduce((m, r) => (r.projected_at > m ? r.projected_at : m), ''),
      // What else the bytes depend on: the identities and the settings read (a KYC correction or a
      // new ISIN changes the report, and the versions say so).
      identities: digest(users.map((u) => [u, identities.get(u) ?? null])),
      settings: digest([settings.firmLei, settings.venueMic, branchCountry, [...settings.underlyingIsins].sort()]),
    },
  };
}
