/**
 * A PEP list's text (CSV, UTF-8, header row; docs/COMPLIANCE.md) read into entries. Unlike the SDN
 * parser, which skips and counts rows it cannot join, one bad row refuses the whole file: a PEP list
 * is the operator's own compliance data, a row dropped silently is a person never screened, and a
 * refused file leaves the list in force (the loader's reload) until it is corrected. Every bad row is
 * named by its line, so one pass fixes the file.
 */
import { isCountryCode } from '../kyc/countries.js';
import { parseCsvRows } from '../sanctions/csv.js';
import { dobInterval } from '../sanctions/evidence.js';
import { normalizeName } from '../sanctions/normalize-name.js';
import type { DateOfBirth, SdnAlias } from '../sanctions/sdn-entry.js';
import type { PepEntry, PepLineProblem } from './pep-entry.js';

export const PEP_COLUMNS = ['id', 'name', 'aliases', 'position', 'country', 'dateOfBirth', 'positionFrom', 'positionTo'] as const;
type Column = (typeof PEP_COLUMNS)[number];
/** Problems listed in one refusal; past this the message counts the rest. */
export const MAX_PROBLEMS = 20;
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TEXT = 300;

export type PepParse = { readonly ok: true; readonly entries: readonly PepEntry[] } | { readonly ok: false; readonly problems: readonly PepLineProblem[] };

const DAY_MS = 86_400_000;
const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** A date as the format allows (YYYY, YYYY-MM, YYYY-MM-DD) as an interval, or a message saying what was expected. */
function dateField(name: string, v: string): DateOfBirth | string {
  const i = dobInterval(v);
  if (i === undefined) return `${name}: "${v.slice(0, 40)}" is not a date YYYY, YYYY-MM or YYYY-MM-DD`;
  return { text: v, from: isoOfDay(i.from), to: isoOfDay(i.to), precision: v.length === 4 ? 'year' : v.length === 7 ? 'month' : 'day' };
}

/** A name the matcher can read: at least one token in a script it reads. */
function nameProblem(field: string, v: string): string | undefined {
  if (v.length > MAX_TEXT) return `${field}: longer than ${MAX_TEXT} characters`;
  return normalizeName(v, 'individual').tokens.length === 0 ? `${field}: "${v.slice(0, 40)}" has no letter in a script the screening reads (Latin, Cyrillic, Greek, Arabic)` : undefined;
}

function readRow(cells: readonly string[], at: Readonly<Record<Column, number>>, line: number): PepEntry | string[] {
  const get = (c: Column): string => (cells[at[c]] ?? '').trim();
  const problems: string[] = [];
  const id = get('id');
  if (!ID.test(id)) problems.push(`id: "${id.slice(0, 40)}" is not 1 to 64 letters, digits, dots, dashes or underscores`);
  const name = get('name');
  const np = name === '' ? 'name: empty' : nameProblem('name', name);
  if (np) problems.push(np);
  const aliases: SdnAlias[] = [];
  for (const a of get('aliases').split(';').map((x) => x.trim()).filter((x) => x !== '')) {
    const ap = nameProblem('aliases', a);
    if (ap) problems.push(ap);
    else aliases.push({ kind: 'aka', name: a });
  }
  const position = get('position');
  if (position === '' || position.length > MAX_TEXT) problems.push(`position: expected 1 to ${MAX_TEXT} characters`);
  const country = get('country').toUpperCase();
  if (!isCountryCode(country)) problems.push(`country: "${get('country').slice(0, 40)}" is not an ISO 3166-1 alpha-2 code`);
  const dates: Partial<Record<'dateOfBirth' | 'positionFrom' | 'positionTo', DateOfBirth>> = {};
  for (const c of ['dateOfBirth', 'positionFrom', 'positionTo'] as const) {
    const v = get(c);
    if (v === '') continue;
    const d = dateField(c, v);
    if (typeof d === 'string') problems.push(d);
    else dates[c] = d;
  }
  if (dates.positionFrom && dates.positionTo && dates.positionTo.to < dates.positionFrom.from) problems.push(`positionTo: ${dates.positionTo.text} is before positionFrom ${dates.positionFrom.text}`);
  if (problems.length > 0) return problems;
  return {
    id, name, type: 'individual', aliases, position, country, line,
    ...(dates.dateOfBirth ? { dateOfBirth: dates.dateOfBirth.text } : {}),
    ...(dates.positionFrom ? { positionFrom: dates.positionFrom.text } : {}),
    ...(dates.positionTo ? { positionTo: dates.positionTo.text } : {}),
    datesOfBirth: dates.dateOfBirth ? [dates.dateOfBirth] : [], nationalities: [country], addresses: [],
  };
}

/** The header's column positions, or what is wrong with it. */
function readHeader(cells: readonly string[]): Record<Column, number> | string {
  const names = cells.map((c) => c.trim());
  const unknown = names.filter((n) => !(PEP_COLUMNS as readonly string[]).includes(n));
  const missing = PEP_COLUMNS.filter((c) => !names.includes(c));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (unknown.length + missing.length + twice.length > 0) {
    return `header: expected the columns ${PEP_COLUMNS.join(',')} (any order)${missing.length ? `; missing ${missing.join(', ')}` : ''}${unknown.length ? `; unknown ${unknown.join(', ')}` : ''}${twice.length ? `; twice ${twice.join(', ')}` : ''}`;
  }
  return Object.fromEntries(PEP_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<Column, number>;
}

/**
 * The file's entries, or every problem by line (the first MAX_PROBLEMS). Blank lines and lines
 * starting with `#` are skipped; a field may be quoted (`""` for a quote) but not span lines.
 */
export function parsePepList(text: string): PepParse {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const problems: PepLineProblem[] = [];
  const entries: PepEntry[] = [];
  const ids = new Map<string, number>();
  let at: Record<Column, number> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    if ((raw.match(/"/g)?.length ?? 0) % 2 === 1) { problems.push({ line, message: 'a quote is left open (a field may not span lines)' }); continue; }
    const cells = parseCsvRows(raw)[0] ?? [];
    if (at === undefined) {
      const h = readHeader(cells);
      if (typeof h === 'string') return { ok: false, problems: [{ line, message: h }] };
      at = h;
      continue;
    }
    if (cells.length !== PEP_COLUMNS.length) { problems.push({ line, message: `${cells.length} fields, expected ${PEP_COLUMNS.length}` }); continue; }
    const r = readRow(cells, at, line);
    if (Array.isArray(r)) { problems.push({ line, message: r.join('; ') }); continue; }
    const first = ids.get(r.id);
    if (first !== undefined) { problems.push({ line, message: `id: ${r.id} is listed already on line ${first}` }); continue; }
    ids.set(r.id, line);
    entries.push(r);
  }
  if (at === undefined) return { ok: false, problems: [{ line: lines.length, message: `no header: expected the columns ${PEP_COLUMNS.join(',')}` }] };
  if (problems.length === 0 && entries.length === 0) return { ok: false, problems: [{ line: lines.length, message: 'no entry: a PEP list with nobody on it is refused (unset PEP_LIST_FILE to screen without one)' }] };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

/** The problems in one message: `line 7: country: …; line 9: …` (the first MAX_PROBLEMS, and how many more). */
export function describeProblems(problems: readonly PepLineProblem[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS).map((p) => `line ${p.line}: ${p.message}`).join('; ');
  return problems.length > MAX_PROBLEMS ? `${shown}; and ${problems.length - MAX_PROBLEMS} more` : shown;
}
