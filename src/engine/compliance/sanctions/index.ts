/** Sanctions screening against the OFAC SDN list: the public face of this folder. */
export { parseSdnList, type ParsedList } from './sdn-parse.js';
export type { DateOfBirth, EntryType, ListVersion, ScreenedEntry, SdnAlias, SdnAddress, SdnEntry, SdnFiles } from './sdn-entry.js';
export { NameIndex, type NameMatch } from './name-index.js';
export { SanctionsIndex, CEILING, MAX_QUERY_TOKENS, type MatchExplanation, type SanctionsMatch, type ScreeningQuery, type ScreeningResult } from './sanctions-index.js';
export { BLOCK_MIN_PAIR, BLOCK_THRESHOLD, REVIEW_THRESHOLD, MAX_MATCHES, decideMatch, queryDecision, type Decision } from './screening-policy.js';
export { normalizeName } from './normalize-name.js';
export { transliterate } from './transliterate.js';
export { jaroWinkler } from './jaro-winkler.js';

import { parseSdnList } from './sdn-parse.js';
import { SanctionsIndex } from './sanctions-index.js';
import type { SdnFiles } from './sdn-entry.js';

/** The index of the list in `files`, versioned by `sha256` (computed by whoever read the files). */
export function buildSanctionsIndex(files: SdnFiles, sha256: string): SanctionsIndex {
  const { entries, skippedRows } = parseSdnList(files);
  let aliases = 0, addresses = 0, datesOfBirth = 0;
  for (const e of entries) { aliases += e.aliases.length; addresses += e.addresses.length; datesOfBirth += e.datesOfBirth.length; }
  return SanctionsIndex.build(entries, { sha256, entries: entries.length, aliases, addresses, datesOfBirth, skippedRows });
}
