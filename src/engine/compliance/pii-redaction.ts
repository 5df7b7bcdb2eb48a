/**
 * Masks personal data in text and in structured values: what every log line goes through
 * (src/logger.ts) and what an export can go through. Pure and synchronous.
 *
 * In text: emails, phone numbers (international +…, national trunk 0…, North American
 * (NXX) NXX-XXXX), IBANs (mod-97 checked), payment card numbers (13–19 digits, a card network's
 * prefix and the Luhn check), and national identifiers with a shape or a check digit that makes a
 * false hit unlikely: US SSN (dashed, valid areas), UK NINO, Spanish DNI/NIE (check letter),
 * French NIR (key mod 97), Italian codice fiscale (its shape).
 * By key: the value of a field whose name is a personal field of KYC or identity (legalName,
 * dateOfBirth, address, documentNumber, displayName, email, …), whatever the value.
 *
 * What must survive: order and fill ids, prices, ISO timestamps, epoch ms, UUIDs, option symbols
 * (SPY240119C00450000). Hence the checks: a bare digit run is masked only when it is a valid card,
 * a phone only with a + or a trunk 0 and separators where a plain number would be ambiguous,
 * and digits glued to a word by `-` or `.` (o-4111…, v1.2.3) count as part of that word.
 */

/** Names of personal fields, compared lower-cased without `_` or `-` (legal_name = legalName). */
const PERSONAL_KEYS = new Set([
  'legalname', 'fullname', 'firstname', 'lastname', 'givenname', 'givennames', 'familyname', 'surname', 'middlename', 'maidenname',
  'displayname', 'name', 'counterpartyname', 'holdername', 'cardholder',
  'dateofbirth', 'dob', 'birthdate', 'placeofbirth',
  'address', 'streetaddress', 'street', 'postcode', 'postalcode', 'zip', 'zipcode',
  'documentnumber', 'passportnumber', 'idnumber', 'nationalid', 'taxid', 'ssn', 'nino', 'mrz',
  'email', 'emailaddress', 'phone', 'phonenumber', 'mobile', 'telephone',
  'iban', 'accountnumber', 'cardnumber', 'pan',
  'sourceoffundsdetail',
]);

export const MASK = Object.freeze({
  field: '[pii]', email: '[email]', phone: '[phone]', iban: '[iban]', card: '[card]', nationalId: '[national-id]', circular: '[circular]', deep: '[too-deep]',
});

const normaliseKey = (k: string): string => k.replace(/[_-]/g, '').toLowerCase();

/** A personal field's name (legalName, date_of_birth, email, …). */
export function isPersonalKey(key: string): boolean {
  return PERSONAL_KEYS.has(normaliseKey(key));
}

// ── checks ────────────────────────────────────────────────────────────────────────────────────

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011/64/65, JCB 35, Diners 30/36/38,
// UnionPay 62, Maestro 50/56-58/67: a 13-19 digit run outside these (epoch ms start with 1) is no card.
const CARD_PREFIX = /^(?:4|5[0-8]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[0478]|3[56]|6(?:011|[2457]))/;

function isCard(text: string): boolean {
  const d = text.replace(/[ -]/g, '');
  return d.length >= 13 && d.length <= 19 && CARD_PREFIX.test(d) && luhn(d);
}

// IBAN lengths by country (SWIFT's IBAN registry); a country not listed may be 15-34 long.
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AT: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27,
  GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18,
  NO: 15, PL: 28, PT: 25, QA: 29, RO: 24, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26, UA: 29,
};

/** ISO 13616: the country's length, then mod 97 over the rearranged IBAN (letters as 10..35). */
function ibanValid(compact: string): boolean {
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  if (expected !== undefined ? compact.length !== expected : compact.length < 15 || compact.length > 34) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    const v = c >= 65 ? c - 55 : c - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** The longest prefix of space-separated groups that is a valid IBAN, with what follows it. */
function maskIban(match: string): string {
  const groups = match.split(' ');
  for (let n = groups.length; n >= 1; n--) {
    const head = groups.slice(0, n).join('');
    if (head.length < 15) break;
    if (ibanValid(head)) return n === groups.length ? MASK.iban : `${MASK.iban} ${groups.slice(n).join(' ')}`;
  }
  return match;
}

function ssnValid(s: string): boolean {
  const [a, g, n] = s.split('-') as [string, string, string];
  return a !== '000' && a !== '666' && a[0] !== '9' && g !== '00' && n !== '0000';
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
function dniValid(s: string): boolean {
  const t = s.replace('-', '');
  const body = t.slice(0, -1).replace(/^[XYZ]/, (c) => String('XYZ'.indexOf(c)));
  return DNI_LETTERS[Number(body) % 23] === t.at(-1);
}

function nirValid(s: string): boolean {
  const d = s.replace(/ /g, '').replace(/2A/, '19').replace(/2B/, '18');
  if (d.length !== 15) return false;
  return 97 - (Number(d.slice(0, 13)) % 97) === Number(d.slice(13));
}

const digitCount = (s: string): number => s.replace(/\D/g, '').length;

// ── patterns, compiled once ───────────────────────────────────────────────────────────────────

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}(?![A-Za-z0-9])/g;
const CARD = /(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)/g;
const SSN = /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g;
// Prefix letters per HMRC: not D F I Q U V; second not O either; BG GB NK KN TN NT ZZ never issued.
const NINO = /(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
const DNI = /(?<![A-Za-z0-9])[XYZ]?\d{7,8}-?[A-HJ-NP-TV-Z](?![A-Za-z0-9])/g;
const NIR = /(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?!\w)/g;
const CODICE_FISCALE = /(?<![A-Za-z0-9])[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])/g;
const PHONE_INTL = /(?<![\w+])\+[1-9]\d{0,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![\w]|[.:-]\d)/g;
const PHONE_TRUNK = /(?<![\w+.:/-])0\d{1,4}(?:[ .-]?\(?\d{2,5}\)?){1,5}(?![\w]|[.:-]\d)/g;
const PHONE_NANP = /(?<![\w+.:/-])(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[-. ])[2-9]\d{2}[-. ]\d{4}(?![\w]|[.:-]\d)/g;
/** Nothing to mask in a string with neither a digit nor an @: the common case, one scan. */
const MAYBE_PII = /[\d@]/;

/** `text` with every personal datum the patterns find replaced by a marker ([email], [iban], …). */
export function redactText(text: string): string {
  if (text.length < 6 || !MAYBE_PII.test(text)) return text;
  let s = text;
  if (s.includes('@')) s = s.replace(EMAIL, MASK.email);
  s = s.replace(IBAN, maskIban);
  s = s.replace(CARD, (m) => (isCard(m) ? MASK.card : m));
  s = s.replace(SSN, (m) => (ssnValid(m) ? MASK.nationalId : m));
  s = s.replace(NINO, MASK.nationalId);
  s = s.replace(DNI, (m) => (dniValid(m) ? MASK.nationalId : m));
  s = s.replace(NIR, (m) => (nirValid(m) ? MASK.nationalId : m));
  s = s.replace(CODICE_FISCALE, MASK.nationalId);
  s = s.replace(PHONE_INTL, (m) => {
    const n = digitCount(m);
    // "+1234.56": a signed decimal, not a number to call
    return n >= 8 && n <= 15 && !/^\+\d+\.\d{1,4}$/.test(m) ? MASK.phone : m;
  });
  s = s.replace(PHONE_TRUNK, (m) => {
    const n = digitCount(m);
    // 000… is zero padding, not a trunk prefix; 00 + country is the international prefix
    return n >= 10 && n <= 13 && !m.startsWith('000') ? MASK.phone : m;
  });
  s = s.replace(PHONE_NANP, MASK.phone);
  return s;
}

export interface RedactOptions {
  /** Nesting followed at most (default 10); deeper values become [too-deep]. */
  readonly maxDepth?: number;
}

/**
 * A copy of `value` with every string masked (redactText) and every personal field's value
 * replaced whole ([pii]), at any depth. Numbers, booleans and null pass; an Error becomes an
 * error of its class with message, stack and fields masked; an object with toJSON is masked as what it serialises to.
 */
export function redactValue(value: unknown, opts: RedactOptions = {}): unknown {
  return walk(value, opts.maxDepth ?? 10, new WeakSet());
}

/**
 * An error of the same class (a log's `type` still names it) with its message, stack, cause and
 * own fields masked; message and stack stay non-enumerable, as on any Error.
 */
function redactError(e: Error, depth: number, seen: WeakSet<object>): Error {
  const copy = Object.create(Object.getPrototypeOf(e) as object) as Error;
  const hidden = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(copy, 'message', hidden(redactText(e.message)));
  if (e.stack !== undefined) Object.defineProperty(copy, 'stack', hidden(redactText(e.stack)));
  if (e.cause !== undefined) Object.defineProperty(copy, 'cause', hidden(walk(e.cause, depth - 1, seen)));
  for (const k of Object.keys(e)) {
    const x = (e as unknown as Record<string, unknown>)[k];
    (copy as unknown as Record<string, unknown>)[k] = isPersonalKey(k) && x !== null && x !== undefined ? MASK.field : walk(x, depth - 1, seen);
  }
  return copy;
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return redactText(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return MASK.circular;
  if (depth <= 0) return MASK.deep;
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => walk(x, depth - 1, seen));
    if (v instanceof Error) return redactError(v, depth, seen);
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(v), depth - 1, seen);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      out[k] = isPersonalKey(k) && x !== null && x !== undefined ? MASK.field : walk(x, depth - 1, seen);
    }
    return out;
  } finally {
    seen.delete(v);
  }
}
