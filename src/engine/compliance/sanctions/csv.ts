/**
 * The rows of a CSV text as OFAC writes it: comma-separated, fields optionally in double quotes with
 * `""` for a quote inside, CRLF or LF line ends, no header. A quote left open runs to the end of the
 * text (the last field then holds the rest) rather than throwing: a damaged file still loads, and the
 * row counts published with the list version show what was read. OFAC's files end with a DOS
 * end-of-file mark (Ctrl-Z, 0x1A), which is not a row.
 */
export function parseCsvRows(input: string): string[][] {
  const text = input.endsWith('\x1a') ? input.slice(0, -1) : input;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34 /* " */) {
        if (text.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += text[i];
      i++;
      continue;
    }
    if (c === 34) {
      quoted = true;
      i++;
    } else if (c === 44 /* , */) {
      row.push(field);
      field = '';
      i++;
    } else if (c === 10 || c === 13) {
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    } else {
      field += text[i];
      i++;
    }
  }
  row.push(field);
  if (row.length > 1 || row[0] !== '') rows.push(row);
  return rows;
}

/** A field's value: OFAC's `-0-` (with or without a trailing space) and blanks are no value. */
export function csvValue(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const t = field.trim();
  return t === '' || t === '-0-' ? undefined : t;
}
