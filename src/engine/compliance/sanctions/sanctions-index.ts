/**
 * The SDN list indexed for screening: the matcher of name-index.ts over the list's entries, its
 * matches shaped as the sanctions answer (entry number, programs, type) with the list version, at
 * most MAX_MATCHES, and the query's decision.
 */
import { NameIndex, type MatchExplanation, type NameMatch, type ScreeningQuery } from './name-index.js';
import { type Decision, MAX_MATCHES, queryDecision } from './screening-policy.js';
import type { EntryType, ListVersion, SdnEntry } from './sdn-entry.js';

export { CEILING, MAX_QUERY_TOKENS, jaroWinklerBound, type MatchExplanation, type ScreeningQuery } from './name-index.js';

export interface SanctionsMatch {
  readonly entNum: number;
  /** The entry's primary name, as listed. */
  readonly name: string;
  /** The name that matched (primary or alias), as listed. */
  readonly matchedName: string;
  readonly score: number;
  /** This match alone: review, or block (screening-policy.ts). */
  readonly decision: Decision;
  readonly programs: readonly string[];
  readonly type: EntryType;
  readonly explanation: MatchExplanation;
}

export interface ScreeningResult {
  /** The SHA-256 of the list files in force. */
  readonly listVersion: string;
  readonly decision: Decision;
  readonly matches: readonly SanctionsMatch[];
}

export class SanctionsIndex {
  private readonly index: NameIndex<SdnEntry>;

  private constructor(readonly entries: readonly SdnEntry[], readonly version: ListVersion) {
    this.index = new NameIndex(entries);
  }

  static build(entries: readonly SdnEntry[], version: ListVersion): SanctionsIndex {
    return new SanctionsIndex(entries, version);
  }

  /** How many names (primary and aliases) and distinct tokens the index holds. */
  get size(): { names: number; tokens: number } {
    return this.index.size;
  }

  /** Screens with the index (the fast path). */
  screen(q: ScreeningQuery): ScreeningResult {
    return this.result(this.index.screen(q));
  }

  /** Screens by comparing the query with every listed name: the reference the index must equal. */
  screenExhaustive(q: ScreeningQuery): ScreeningResult {
    return this.result(this.index.screenExhaustive(q));
  }

  private result(found: readonly NameMatch<SdnEntry>[]): ScreeningResult {
    const matches: SanctionsMatch[] = found.map(({ entry: e, matchedName, score, decision, explanation }) => ({
      entNum: e.entNum, name: e.name, matchedName, score, decision, programs: e.programs, type: e.type, explanation,
    }));
    // Equal scores in entry-number order, whatever the order of the files.
    matches.sort((a, b) => b.score - a.score || a.entNum - b.entNum);
    const top = matches.slice(0, MAX_MATCHES);
    return { listVersion: this.version.sha256, decision: queryDecision(top), matches: top };
  }
}
