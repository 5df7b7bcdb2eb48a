import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { Codec, scanDepth } from '../../src/gateway/codec.js';

const ab = (u8: Uint8Array): ArrayBuffer => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;

function nestedArrays(levels: number): Uint8Array {
  // levels × fixarray(1) around a nil: 1 byte per level
  const out = new Uint8Array(levels + 1);
  out.fill(0x91, 0, levels);
  out[levels] = 0xc0;
  return out;
}

describe('scanDepth', () => {
  it('reports the depth of flat and nested messages the way the decoder would build them', () => {
    expect(scanDepth(encode(1), 8)).toBe(0);
    expect(scanDepth(encode({ type: 'tick', symbol: 'AAA', price: 1.5, ts: 1 }), 8)).toBe(1);
    expect(scanDepth(encode({ a: [1, { b: [2] }] }), 8)).toBe(4);
    expect(scanDepth(encode({ a: [], b: {} }), 8)).toBe(2);
    expect(scanDepth(encode({ s: 'x'.repeat(300), bin: new Uint8Array(70_000), n: 2 ** 40, f: 1.5, neg: -200 }), 8)).toBe(1);
  });

  it('stops at the first level past the limit without walking the rest', () => {
    expect(scanDepth(nestedArrays(9), 8)).toBeLessThan(0);
    expect(scanDepth(nestedArrays(8), 8)).toBe(8);
    expect(scanDepth(nestedArrays(1_000_000), 8)).toBeLessThan(0);
  });

  it('flags truncated input instead of reading past the end', () => {
    const full = encode({ type: 'auth', token: 'abc' });
    expect(scanDepth(full.subarray(0, full.length - 2), 8)).toBeLessThan(0);
  });
});

describe('Codec.decode', () => {
  const codec = new Codec({ maxFrameBytes: 1024, maxDepth: 4 });

  it('decodes a map frame', () => {
    const r = codec.decode(ab(encode({ type: 'tick', symbol: 'AAA', price: 1, ts: 2 })));
    expect(r).toEqual({ ok: true, value: { type: 'tick', symbol: 'AAA', price: 1, ts: 2 } });
  });

  it('refuses garbage, truncated and trailing bytes as BAD_FRAME', () => {
    expect(codec.decode(ab(new Uint8Array([0xc1, 0x00])))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
    const full = encode({ type: 'auth', token: 'abc' });
    expect(codec.decode(ab(full.subarray(0, full.length - 1)))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
    expect(codec.decode(ab(new Uint8Array([...full, 0x01])))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
    expect(codec.decode(new ArrayBuffer(0))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('refuses a root that is not a map', () => {
    expect(codec.decode(ab(encode([1, 2])))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME', message: expect.stringContaining('not a map') } });
    expect(codec.decode(ab(encode('tick')))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('answers FRAME_TOO_LARGE above maxFrameBytes and TOO_DEEP past maxDepth', () => {
    expect(codec.decode(ab(encode({ type: 'x', pad: 'y'.repeat(2000) })))).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } });
    expect(codec.decode(ab(encode({ a: { b: { c: { d: { e: 1 } } } } })))).toMatchObject({ ok: false, error: { code: 'TOO_DEEP' } });
  });

  it('enforces the decoder length limits and refuses __proto__ keys', () => {
    const big = new Codec({ maxFrameBytes: 1 << 20 });
    expect(big.decode(ab(encode({ s: 'x'.repeat(20_000) })))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME', message: expect.stringContaining('maxStrLength') } });
    expect(big.decode(ab(encode({ a: new Array(2000).fill(0) })))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
    const proto = new Uint8Array([0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x01]);
    expect(big.decode(ab(proto))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('refuses a map key that is not a string, at the root or nested', () => {
    // {type: "tick", 1: 2} and {type: "tick", a: {nil: 1}}
    const numberKey = new Uint8Array([0x82, 0xa4, ...new TextEncoder().encode('type'), 0xa4, ...new TextEncoder().encode('tick'), 0x01, 0x02]);
    expect(codec.decode(ab(numberKey))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME', message: expect.stringContaining('map keys must be strings') } });
    const nilKey = new Uint8Array([0x82, 0xa4, ...new TextEncoder().encode('type'), 0xa4, ...new TextEncoder().encode('tick'), 0xa1, 0x61, 0x81, 0xc0, 0x01]);
    expect(codec.decode(ab(nilKey))).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });
});
