/**
 * The RTS 22 report as CSV (RFC 4180): one header row naming each Table 2 field by number and
 * name, then one row per record, all 65 columns in Table 2 order (an empty field is an empty
 * cell), '\n' line ends, every line ended. A cell is quoted only when it holds a comma, a quote or
 * a line break, its quotes doubled. Pure and deterministic.
 */
import { RTS22_FIELDS } from './rts22-fields.js';
import { rts22Records, type Rts22Input } from './rts22-record.js';

function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function renderRts22Csv(input: Rts22Input): string {
  const lines = [RTS22_FIELDS.map((f) => cell(`${f.no} ${f.name}`)).join(',')];
  for (const r of rts22Records(input)) lines.push(RTS22_FIELDS.map((f) => cell(f.value(r))).join(','));
  return lines.join('\n') + '\n';
}
