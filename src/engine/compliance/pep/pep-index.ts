/**
 * PEP screening: the sanctions matcher (name-index.ts: normalisation, token sets, Jaro–Winkler,
 * transliteration, evidence) over a PEP list. A PEP hit is any match at the sanctions review
 * threshold (REVIEW_THRESHOLD, 0.85, with the same date-of-birth and country evidence): a PEP is
 * not blocked but is a customer of higher risk who needs enhanced due diligence, so the question
 * is only "is this person on the list", and a name that would go to review against the SDN list is
 * as much a question for the reviewer here. There is no block level.
 */
import { NameIndex, type MatchExplanation, type ScreeningQuery } from '../sanctions/name-index.js';
import { MAX_MATCHES, REVIEW_THRESHOLD } from '../sanctions/screening-policy.js';
import type { PepEntry, PepListVersion } from './pep-entry.js';
import { type PepParse, parsePepList } from './pep-parse.js';

/** The score from which a match is a PEP hit (the matcher returns nothing below it). */
export const PEP_HIT_THRESHOLD = REVIEW_THRESHOLD;

export interface PepMatch {
  readonly id: string;
  /** The person's name, as listed. */
  readonly name: string;
  /** The name that matched (primary or alias), as listed. */
  readonly matchedName: string;
  readonly score: number;
  readonly position: string;
  readonly country: string;
  readonly dateOfBirth?: string;
  readonly positionFrom?: string;
  readonly positionTo?: string;
  readonly explanation: MatchExplanation;
}

export interface PepScreeningResult {
  /** The SHA-256 of the PEP list file in force. */
  readonly listVersion: string;
  /** At least one match at PEP_HIT_THRESHOLD. */
  readonly pep: boolean;
  /** Best first, at most MAX_MATCHES. */
  readonly matches: readonly PepMatch[];
}

export class PepIndex {
  private readonly index: NameIndex<PepEntry>;

  private constructor(readonly entries: readonly PepEntry[], readonly version: PepListVersion) {
    this.index = new NameIndex(entries);
  }

  static build(entries: readonly PepEntry[], sha256: string): PepIndex {
    return new PepIndex(entries, { sha256, entries: entries.length, aliases: entries.reduce((n, e) => n + e.aliases.length, 0) });
  }

  get size(): { names: number; tokens: number } {
    return this.index.size;
  }

  screen(q: ScreeningQuery): PepScreeningResult {
    // The matcher returns the matches at REVIEW_THRESHOLD (= PEP_HIT_THRESHOLD) and above only.
    const matches = this.index.screen(q).slice(0, MAX_MATCHES).map(({ entry: e, matchedName, score, explanation }): PepMatch => ({
      id: e.id, name: e.name, matchedName, score, position: e.position, country: e.country,
      ...(e.dateOfBirth !== undefined ? { dateOfBirth: e.dateOfBirth } : {}),
      ...(e.positionFrom !== undefined ? { positionFrom: e.positionFrom } : {}),
      ...(e.positionTo !== undefined ? { positionTo: e.positionTo } : {}),
      explanation,
    }));
    return { listVersion: this.version.sha256, pep: matches.length > 0, matches };
  }
}

/** The index of the PEP list `text`, versioned by `sha256` (computed by whoever read the file), or the file's problems by line. */
export function buildPepIndex(text: string, sha256: string): { readonly ok: true; readonly index: PepIndex } | Extract<PepParse, { ok: false }> {
  const parsed = parsePepList(text);
  return parsed.ok ? { ok: true, index: PepIndex.build(parsed.entries, sha256) } : parsed;
}
