/** One entry of a politically-exposed-persons list as the screening reads it (format: docs/COMPLIANCE.md, "PEP screening"). */
import type { DateOfBirth, ScreenedEntry, SdnAlias } from '../sanctions/sdn-entry.js';

export interface PepEntry extends ScreenedEntry {
  /** The list's own identifier of the person, unique in the file. */
  readonly id: string;
  /** As listed. */
  readonly name: string;
  /** A PEP is a natural person: a company query is evidence against (evidence.ts, type). */
  readonly type: 'individual';
  readonly aliases: readonly SdnAlias[];
  /** The public function held, in words (`Minister of Finance`). */
  readonly position: string;
  /** ISO 3166-1 alpha-2 code of the country of the office. */
  readonly country: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD as listed. */
  readonly dateOfBirth?: string;
  readonly positionFrom?: string;
  /** Absent: still in office. */
  readonly positionTo?: string;
  /** The line of the file the entry was read from. */
  readonly line: number;
  // What the matcher's evidence reads (ScreenedEntry), derived from the fields above.
  readonly datesOfBirth: readonly DateOfBirth[];
  /** [country]: the office's country is compared with the customer's nationality and residence. */
  readonly nationalities: readonly string[];
  readonly addresses: readonly [];
}

/** Which PEP list is in force: the SHA-256 of the file (computed where it is read) and what was read from it. */
export interface PepListVersion {
  readonly sha256: string;
  readonly entries: number;
  readonly aliases: number;
}

/** A row the parser refused, by its line in the file (1-based). */
export interface PepLineProblem {
  readonly line: number;
  readonly message: string;
}
