/**
 * The SDN list's four CSV texts (sdn, alt, add, sdn_comments) read into entries. Rows are joined on
 * the entry number; a row naming no entry, or an entry the main file does not have, is skipped and
 * counted, so a damaged publication still loads what it can and says how much it dropped.
 */
import { csvValue, parseCsvRows } from './csv.js';
import { parseDatesOfBirth, parseNationalities } from './remarks.js';
import type { AliasKind, EntryType, SdnAddress, SdnAlias, SdnEntry, SdnFiles } from './sdn-entry.js';

export interface ParsedList {
  readonly entries: readonly SdnEntry[];
  readonly skippedRows: number;
}

function entryType(field: string | undefined): EntryType {
  const t = csvValue(field)?.toLowerCase();
  return t === 'individual' || t === 'vessel' || t === 'aircraft' ? t : 'entity';
}

function aliasKind(field: string | undefined): AliasKind {
  const t = csvValue(field)?.toLowerCase();
  return t === 'fka' || t === 'nka' ? t : 'aka';
}

const entNumOf = (field: string | undefined): number | undefined => {
  const v = csvValue(field);
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
};

export function parseSdnList(files: SdnFiles): ParsedList {
  let skipped = 0;
  const comments = new Map<number, string>();
  for (const r of files.comments === undefined ? [] : parseCsvRows(files.comments)) {
    const n = entNumOf(r[0]);
    const text = r[1];
    if (n === undefined || text === undefined) { skipped++; continue; }
    comments.set(n, (comments.get(n) ?? '') + text);
  }
  const aliases = new Map<number, SdnAlias[]>();
  for (const r of parseCsvRows(files.alt)) {
    const n = entNumOf(r[0]);
    const name = csvValue(r[3]);
    if (n === undefined || name === undefined) { skipped++; continue; }
    const remarks = csvValue(r[4]);
    const list = aliases.get(n) ?? [];
    list.push({ kind: aliasKind(r[2]), name, ...(remarks !== undefined ? { remarks } : {}) });
    aliases.set(n, list);
  }
  const addresses = new Map<number, SdnAddress[]>();
  for (const r of parseCsvRows(files.add)) {
    const n = entNumOf(r[0]);
    if (n === undefined) { skipped++; continue; }
    const address = csvValue(r[2]);
    const city = csvValue(r[3]);
    const country = csvValue(r[4]);
    const list = addresses.get(n) ?? [];
    list.push({ ...(address !== undefined ? { address } : {}), ...(city !== undefined ? { cityStatePostal: city } : {}), ...(country !== undefined ? { country } : {}) });
    addresses.set(n, list);
  }
  const entries: SdnEntry[] = [];
  const seen = new Set<number>();
  for (const r of parseCsvRows(files.sdn)) {
    const n = entNumOf(r[0]);
    const name = csvValue(r[1]);
    if (n === undefined || name === undefined || seen.has(n)) { skipped++; continue; }
    seen.add(n);
    // A remark cut at the field's limit goes on in sdn_comments.csv, mid-word: joined without a space.
    const head = csvValue(r[11]);
    const more = comments.get(n);
    const remarks = head === undefined ? more : more === undefined ? head : head + more;
    const title = csvValue(r[4]);
    const programs = (csvValue(r[3]) ?? '').split(/\]\s*\[/).map((p) => p.replace(/[[\]]/g, '').trim()).filter((p) => p !== '');
    entries.push({
      entNum: n, name, type: entryType(r[2]), programs, ...(title !== undefined ? { title } : {}),
      aliases: aliases.get(n) ?? [], addresses: addresses.get(n) ?? [],
      datesOfBirth: parseDatesOfBirth(remarks), nationalities: parseNationalities(remarks),
      ...(remarks !== undefined ? { remarks } : {}),
    });
  }
  for (const n of aliases.keys()) if (!seen.has(n)) skipped += (aliases.get(n) as SdnAlias[]).length;
  for (const n of addresses.keys()) if (!seen.has(n)) skipped += (addresses.get(n) as SdnAddress[]).length;
  return { entries, skippedRows: skipped };
}
