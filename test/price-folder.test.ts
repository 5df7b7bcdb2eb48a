/** PRICES_DIR: every <TICKER>.csv in the folder is read, and what is not a history is named with why. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readPriceFolder } from '../src/price-folder.js';

const dir = mkdtempSync(path.join(tmpdir(), 'prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csv = (closes: number[]) =>
  ['date,open,high,low,close,adj_close,volume', ...closes.map((c, i) => `2026-01-${String(i + 2).padStart(2, '0')},${c},${c},${c},${c},${c},1000`)].join('\n');

it('reads every <TICKER>.csv whatever the ticker, and names each file it skips with the reason', () => {
  writeFileSync(path.join(dir, 'MSFT.csv'), csv([100, 101, 102]));
  writeFileSync(path.join(dir, 'BRK.B.csv'), csv([400, 401]));
  writeFileSync(path.join(dir, 'BROKEN.csv'), 'not,a,price,file\n1,2,3,4');
  writeFileSync(path.join(dir, 'two words.csv'), csv([1, 2]));
  writeFileSync(path.join(dir, 'README.md'), '# not a csv');
  const f = readPriceFolder(dir);
  expect([...f.histories.keys()]).toEqual(['BRK.B', 'MSFT']);
  expect(f.histories.get('MSFT')?.dates).toHaveLength(3);
  expect(f.skipped.map((s) => s.file)).toEqual(['BROKEN.csv', 'two words.csv']);
  expect(f.skipped[0]?.reason).toMatch(/\S/);
  expect(f.skipped[1]?.reason).toBe('the name is not <TICKER>.csv');
});
