/**
 * What the RTS 22 tests check against: the XSD of the auth.016 subset, an XML validator and a
 * parser that reads the rendered XML back, plus a CSV reader (RFC 4180) to read cells back.
 */
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';

export const XSD = readFileSync(new URL('../fixtures/auth.016.001.01-subset.xsd', import.meta.url), 'utf8');

export async function xsdErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'auth.016.001.01-subset.xsd', contents: XSD }] });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}

/** Elements as strings (no number coercion: "100" stays "100"), attributes kept, repeated elements as arrays where asked. */
export function parseXml(xml: string): any {
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name, jpath) => jpath === 'Document.FinInstrmRptgTxRpt.Tx' }).parse(xml);
}

/** RFC 4180 rows (quoted cells, doubled quotes), for reading the CSV back. */
export function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i] as string;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  return rows;
}

/** The CSV as one object per record: field number → cell. */
export function csvRecords(csv: string): Record<number, string>[] {
  const [header, ...rows] = parseCsv(csv);
  const numbers = (header ?? []).map((h) => Number(h.split(' ')[0]));
  return rows.map((r) => Object.fromEntries(numbers.map((n, i) => [n, r[i] ?? ''])));
}
