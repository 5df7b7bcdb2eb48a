/**
 * CSV text of a report (RFC 4180): a header line, then one line per row, CRLF-ended, every field
 * quoted only when it must be. Pure, so the same rows always give the same bytes.
 */
export type CsvValue = string | number | boolean | null;

/** One field: null is empty; a field holding a comma, quote, CR or LF is quoted, its quotes doubled. */
export function csvField(v: CsvValue): string {
  if (v === null) return '';
  const s = String(v);
  // A leading = + - @ would be read as a formula by a spreadsheet; a tab makes it plain text (OWASP CSV injection).
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `\t${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLines(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
