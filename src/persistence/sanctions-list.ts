/**
 * The SDN list on disk: its four CSV files read from a folder (default data/ofac, setting
 * SANCTIONS_LIST_DIR), hashed into the list version, and indexed. `SanctionsScreener` holds the
 * index in force; `reload()` reads and indexes the folder again and swaps the new index in only once
 * it is built (list-in-force.ts), so a screening never sees half a list and a bad publication leaves
 * the old one in force.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { ListInForce } from './list-in-force.js';
import { type ListVersion, type SanctionsIndex, type ScreeningQuery, type ScreeningResult, buildSanctionsIndex } from '../engine/compliance/sanctions/index.js';

/** The list that ships with the package (data/ofac), found from the package whatever the working directory. */
export const SANCTIONS_LIST_DEFAULTS = Object.freeze({ dir: path.join(packageRoot(), 'data', 'ofac') });

/** The list folder from the environment's SANCTIONS_LIST_DIR (relative to the working directory), or the default. */
export function sanctionsListDir(env: Readonly<Record<string, string | undefined>>): string {
  const v = env.SANCTIONS_LIST_DIR?.trim();
  return v === undefined || v === '' ? SANCTIONS_LIST_DEFAULTS.dir : path.resolve(v);
}

/** The list could not be read: a file missing or unreadable, or no entry in it. */
export class SanctionsListError extends Error {
  readonly code = 'SANCTIONS_LIST_UNREADABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SanctionsListError';
  }
}

const FILES = ['sdn.csv', 'alt.csv', 'add.csv', 'sdn_comments.csv'] as const;

async function readListFile(dir: string, name: string, optional: boolean): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch (e) {
    if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SanctionsListError(`${path.join(dir, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Reads, hashes and indexes the list in `dir`. Throws SanctionsListError when it cannot. */
export async function loadSanctionsIndex(dir: string): Promise<SanctionsIndex> {
  // Every file is read before any failure is reported, and the failures are named in file order: with
  // Promise.all the message would name whichever read happened to fail first.
  const reads = await Promise.allSettled(FILES.map((f) => readListFile(dir, f, f === 'sdn_comments.csv')));
  const failed = reads.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length > 0) throw new SanctionsListError(failed.join('; '));
  const [sdn, alt, add, comments] = reads.map((r) => (r as PromiseFulfilledResult<string | undefined>).value);
  // Each file's name and length go into the hash with its bytes, so moving a row between files changes the version.
  const hash = createHash('sha256');
  FILES.forEach((f, i) => {
    const text = [sdn, alt, add, comments][i];
    hash.update(`${f}\n${text === undefined ? -1 : Buffer.byteLength(text)}\n`);
    if (text !== undefined) hash.update(text);
  });
  const index = buildSanctionsIndex({ sdn: sdn as string, alt: alt as string, add: add as string, ...(comments !== undefined ? { comments } : {}) }, hash.digest('hex'));
  if (index.version.entries === 0) throw new SanctionsListError(`${path.join(dir, 'sdn.csv')}: no entry could be read`);
  return index;
}

/** The screening service: the index in force, and its reload (list-in-force.ts). */
export class SanctionsScreener {
  private constructor(private readonly list: ListInForce<SanctionsIndex>, readonly dir: string) {}

  static async open(dir: string): Promise<SanctionsScreener> {
    return new SanctionsScreener(await ListInForce.open(() => loadSanctionsIndex(dir)), dir);
  }

  get version(): ListVersion {
    return this.list.index.version;
  }

  screen(q: ScreeningQuery): ScreeningResult {
    return this.list.index.screen(q);
  }

  /**
   * Reads the folder again and puts the new list in force; the old one stays in force until the new
   * index is built, and when the new list cannot be read (the error is thrown).
   */
  reload(): Promise<ListVersion> {
    return this.list.reload();
  }
}
