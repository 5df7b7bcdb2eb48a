/** The real SDN list (data/ofac) indexed once per test file, as the loader reads it. */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { type SanctionsIndex, buildSanctionsIndex } from '../../../../src/engine/compliance/sanctions/index.js';

export const OFAC_DIR = new URL('../../../../data/ofac/', import.meta.url);
const read = (f: string): string => readFileSync(new URL(f, OFAC_DIR), 'utf8');

export function realIndex(): SanctionsIndex {
  const files = { sdn: read('sdn.csv'), alt: read('alt.csv'), add: read('add.csv'), comments: read('sdn_comments.csv') };
  return buildSanctionsIndex(files, createHash('sha256').update(files.sdn).digest('hex'));
}
