/**
 * The PEP list on disk: one CSV file (PEP_LIST_FILE; format in docs/COMPLIANCE.md), hashed into the
 * list version and indexed with the sanctions matcher. No file configured, no PEP screening. A file
 * that cannot be read, or holds one bad row, is refused whole with every bad line named: at start
 * the engine does not start, at a reload the list in force stays (list-in-force.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type PepIndex, type PepLineProblem, buildPepIndex, describeProblems } from '../engine/compliance/pep/index.js';

/** The PEP list file from the environment's PEP_LIST_FILE (relative to the working directory), or undefined: PEP screening off. */
export function pepListFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const v = env.PEP_LIST_FILE?.trim();
  return v === undefined || v === '' ? undefined : path.resolve(v);
}

/** The PEP list could not be read: the file missing or unreadable, or a bad row in it (`problems`, by line). */
export class PepListError extends Error {
  readonly code = 'PEP_LIST_UNREADABLE';
  constructor(message: string, readonly problems: readonly PepLineProblem[] = []) {
    super(message);
    this.name = 'PepListError';
  }
}

/** Reads, hashes and indexes the PEP list in `file`. Throws PepListError when it cannot. */
export async function loadPepIndex(file: string): Promise<PepIndex> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new PepListError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let text: string;
  try {
    // A file in another encoding is refused, not read with replacement characters in its names.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PepListError(`${file}: not UTF-8 text`);
  }
  const built = buildPepIndex(text, createHash('sha256').update(bytes).digest('hex'));
  if (!built.ok) throw new PepListError(`${file}: ${describeProblems(built.problems)}`, built.problems);
  return built.index;
}
