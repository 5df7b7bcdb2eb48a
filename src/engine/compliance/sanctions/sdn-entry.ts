/** One entry of the SDN list as the screening reads it: names, programs, places and birth dates. */

export const ENTRY_TYPES = ['individual', 'entity', 'vessel', 'aircraft'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** aka: also known as; fka: formerly; nka: now known as. All are screened like the primary name. */
export type AliasKind = 'aka' | 'fka' | 'nka';

export interface SdnAlias {
  readonly kind: AliasKind;
  /** As listed (`LAST, First` for individuals). */
  readonly name: string;
  /** OFAC's "weak aka" flag lives in the alias remarks; kept for the explanation. */
  readonly remarks?: string;
}

export interface SdnAddress {
  readonly address?: string;
  readonly cityStatePostal?: string;
  readonly country?: string;
}

/**
 * A date of birth as the remarks give it: a full date, a month, a year, a range of years (or of
 * dates: `DOB 01 Jan 1960 to 31 Dec 1962`), or `circa YYYY`. Every form reads as a closed interval
 * of days, so comparison is one rule: does the customer's date fall in it.
 */
export interface DateOfBirth {
  readonly text: string;
  /** ISO dates (YYYY-MM-DD), inclusive. */
  readonly from: string;
  readonly to: string;
  readonly precision: 'day' | 'month' | 'year' | 'range' | 'circa';
}

export interface SdnEntry {
  readonly entNum: number;
  /** As listed. */
  readonly name: string;
  readonly type: EntryType;
  readonly programs: readonly string[];
  readonly title?: string;
  readonly aliases: readonly SdnAlias[];
  readonly addresses: readonly SdnAddress[];
  readonly datesOfBirth: readonly DateOfBirth[];
  /** From the remarks' `nationality X;` and `citizen X;` (alternates included). */
  readonly nationalities: readonly string[];
  /** Remarks with their continuation from sdn_comments.csv. */
  readonly remarks?: string;
}

/**
 * What the matcher (name-index.ts) and the evidence read of an entry, whichever list it comes from:
 * its names, its type, and the dates of birth and countries that support or contradict a match.
 */
export type ScreenedEntry = Pick<SdnEntry, 'name' | 'type' | 'aliases' | 'datesOfBirth' | 'nationalities' | 'addresses'>;

/** The four files' texts, as the loader read them. */
export interface SdnFiles {
  readonly sdn: string;
  readonly alt: string;
  readonly add: string;
  /** Continuations of long remarks; absent in older publications. */
  readonly comments?: string;
}

/**
 * Which list is in force: the SHA-256 of the four files (computed where the files are read, so the
 * engine stays free of I/O) and what was read from them.
 */
export interface ListVersion {
  readonly sha256: string;
  readonly entries: number;
  readonly aliases: number;
  readonly addresses: number;
  readonly datesOfBirth: number;
  /** Rows that could not be read (no entry number, an alias of an unknown entry). */
  readonly skippedRows: number;
}
