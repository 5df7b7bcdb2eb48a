/** COPY text lines: what the producer writes reads back field for field (PostgreSQL reading them is in snapshot-store.test.ts). */
import { describe, expect, it } from 'vitest';
import { copyField, marketCopyText, parseCopyText, riskCopyText } from '../../src/persistence/copy-text.js';

describe('COPY text', () => {
  it('escapes backslash, tab, newline and carriage return, and reads them back', () => {
    for (const s of ['plain', 'a\\b', 'tab\there', 'two\nlines', 'cr\r', '\\N', 'é€😀', '']) {
      const field = copyField(s);
      expect(field).not.toMatch(/[\t\n\r]/);
      expect(parseCopyText(`${field}\tx\n`)).toEqual([[s, 'x']]);
    }
    expect(copyField('plain')).toBe('plain');
  });

  it('writes one line per row, fields in the table order, numbers as JavaScript prints them', () => {
    const text = riskCopyText([{ portfolio_id: 'P\t1', seq: 3, tick_ts: 1767000000000.25, computed_ms: 1767000000001, figures: { note: 'a\\b "q"' } }]);
    expect(text).toBe('P\\t1\t3\t1767000000000.25\t1767000000001\t{"note":"a\\\\\\\\b \\\\"q\\\\""}\n');
    expect(JSON.parse(parseCopyText(text)[0]![4]!)).toEqual({ note: 'a\\b "q"' });
    expect(marketCopyText([{ symbol: 'AAA', ts_ms: 1, price: 101.5 }, { symbol: 'BBB', ts_ms: 2, price: NaN }])).toBe('AAA\t1\t101.5\nBBB\t2\tNaN\n');
  });

  it('reads \\N as null', () => {
    expect(parseCopyText('a\t\\N\n')).toEqual([['a', null]]);
  });
});
