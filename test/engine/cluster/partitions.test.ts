/**
 * Portfolios to partitions and each engine's share (src/engine/cluster/partitions.ts): the hash is
 * FNV-1a 32 (its published test vectors), stable for non-ASCII ids, spread evenly; the balance plan
 * takes free partitions up to the share and hands over the excess.
 */
import { describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf, planBalance, shareOf } from '../../../src/engine/cluster/partitions.js';

describe('the partition of a portfolio', () => {
  it('is FNV-1a 32 of the UTF-8 id (the published vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes a non-ASCII id by its UTF-8 bytes, the same as the bytes written out', () => {
    // "é" is C3 A9 in UTF-8: hashed as those two bytes, not as its one UTF-16 unit.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(h);
  });

  it('spreads ids evenly over the partitions', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 256_000; i++) counts[partitionOf(`portfolio-${i}`, 256)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
  });
});

describe('each engine\'s share', () => {
  it('is ceil(partitions / live engines)', () => {
    expect([1, 2, 3, 4, 5].map((n) => shareOf(256, n))).toEqual([256, 128, 86, 64, 52]);
    expect(shareOf(256, 0)).toBe(256);
  });

  it('takes free partitions, lowest first, up to the share', () => {
    const owners: (string | undefined)[] = new Array(8).fill(undefined);
    owners[0] = 'b';
    owners[1] = 'a';
    expect(planBalance(owners, 2, 'a')).toEqual({ take: [2, 3, 4], release: [] });
  });

  it('hands over what is above the share, highest first, and takes nothing then', () => {
    const owners = new Array<string | undefined>(8).fill('a');
    expect(planBalance(owners, 2, 'a')).toEqual({ take: [], release: [7, 6, 5, 4] });
    expect(planBalance(owners, 2, 'b')).toEqual({ take: [], release: [] });
  });
});
