import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in the nearest package.json above this file, read when asked: the same answer from
 * src/ (tests) and from dist/src/ (the built CLI), and never a second copy of the number.
 */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      // none here: look one folder up
    }
    if (text !== undefined) {
      const { version } = JSON.parse(text) as { version?: unknown };
      if (typeof version !== 'string') throw new Error(`${join(dir, 'package.json')} has no version`);
      return version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
  }
}
