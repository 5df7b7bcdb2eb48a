import { describe, expect, it } from 'vitest';
import type { Holding } from '../../src/engine/actors/types.js';
import { LEG_CALL, LEG_OPTION } from '../../src/engine/risk/realtime-risk.js';
import { BatchPacker, layoutOf, viewBatch } from '../../src/workers/risk-protocol.js';
import { holdingsOf, inputOf } from './realtime-fixtures.js';

const stock = (symbol: string, qty: number): Holding => ({
  instrument: { kind: 'underlying', symbol }, qty, multiplier: 1, dividendYield: 0, style: 'european', avgPrice: 1, realisedPnl: 0,
});
const call = (underlying: string, strike: number): Holding => ({
  instrument: { kind: 'option', symbol: `${underlying}C${strike}`, underlying, expiry: '2026-03-20', type: 'call', strike },
  qty: -2, multiplier: 100, vol: 0.25, dividendYield: 0.01, style: 'european', avgPrice: 1, realisedPnl: 0,
});

describe('risk task protocol', () => {
  it('groups each portfolio\'s legs by underlying, in holding order, and sends registry indices instead of names', () => {
    const packer = new BatchPacker(['AAA', 'BBB']);
    const spots = new Map([['AAA', 100], ['BBB', 200], ['ZZZ', 5]]);
    const inputs = [
      inputOf('p0', [call('AAA', 90), stock('BBB', 10), call('AAA', 110), stock('ZZZ', 3)], false, spots),
      inputOf('p1', [stock('AAA', 1)], true, spots),
    ];
    const meta = packer.pack(inputs);
    const { batch: b } = viewBatch(meta.buffer);
    expect(meta.slotNames).toEqual(['AAA', 'BBB', 'ZZZ', 'AAA']);
    expect([...b.slotStart]).toEqual([0, 3, 4]);
    expect([...b.slotUnderlying]).toEqual([0, 1, -1, 0]);
    expect([...b.slotSpot]).toEqual([100, 200, 5, 100]);
    expect([...b.legStart]).toEqual([0, 2, 3, 4, 5]);
    expect([...b.strike.subarray(0, 2)]).toEqual([90, 110]);
    expect([...b.units]).toEqual([-200, -200, 10, 3, 1]);
    expect([...b.legFlags]).toEqual([LEG_OPTION | LEG_CALL, LEG_OPTION | LEG_CALL, 0, 0, 0]);
    expect([...b.withMargin]).toEqual([0, 1]);
  });

  it('aligns every typed-array section of the buffer to its element size', () => {
    for (const [p, s, l] of [[1, 1, 1], [3, 7, 13], [64, 1000, 1280]] as const) {
      const L = layoutOf(p, s, l);
      for (const o of [L.rate, L.slotSpot, L.strike, L.tYears, L.vol, L.dividendYield, L.units, L.out]) expect(o % 8).toBe(0);
      for (const o of [L.slotStart, L.slotUnderlying, L.legStart]) expect(o % 4).toBe(0);
    }
  });

  it('reuses a released buffer for the next batch and never a detached one', () => {
    const packer = new BatchPacker(['AAA']);
    const inputs = [inputOf('p', holdingsOf(1, 20))];
    const first = packer.pack(inputs).buffer;
    packer.release(first);
    expect(packer.pack(inputs).buffer).toBe(first);
    const detached = structuredClone(first, { transfer: [first] }) && first;
    packer.release(detached); // byteLength 0 after transfer
    expect(packer.pack(inputs).buffer.byteLength).toBeGreaterThan(0);
  });

  it('rejects a buffer of another protocol version', () => {
    expect(() => viewBatch(new ArrayBuffer(64))).toThrow(/protocol version 0, expected 1/);
  });
});
