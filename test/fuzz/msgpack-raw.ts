/**
 * A MessagePack writer that writes what a library encoder will not: any key type, duplicate keys,
 * extension types, length headers that lie, and hand-placed bytes. Only for building hostile frames.
 */

/** Bytes placed as they are. */
export class RawMp {
  constructor(readonly bytes: Uint8Array) {}
}

/** An extension value (type −128..127). */
export class Ext {
  constructor(readonly type: number, readonly data: Uint8Array) {}
}

/** A map written from its entries in order: keys of any type, duplicates allowed. */
export class Entries {
  constructor(readonly entries: readonly (readonly [unknown, unknown])[]) {}
}

/** A float written as float32. */
export class F32 {
  constructor(readonly value: number) {}
}

export type MpValue = unknown;

class Out {
  private buf = Buffer.allocUnsafe(256);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  u8(x: number): void {
    this.room(1);
    this.buf[this.len++] = x & 0xff;
  }
  u16(x: number): void {
    this.room(2);
    this.buf.writeUInt16BE(x, this.len);
    this.len += 2;
  }
  u32(x: number): void {
    this.room(4);
    this.buf.writeUInt32BE(x >>> 0, this.len);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function header(o: Out, n: number, fix: number | undefined, fixMax: number, c8: number | undefined, c16: number, c32: number): void {
  if (fix !== undefined && n <= fixMax) o.u8(fix | n);
  else if (c8 !== undefined && n <= 0xff) {
    o.u8(c8);
    o.u8(n);
  } else if (n <= 0xffff) {
    o.u8(c16);
    o.u16(n);
  } else {
    o.u8(c32);
    o.u32(n);
  }
}

function write(o: Out, v: MpValue): void {
  if (v instanceof RawMp) return o.bytes(v.bytes);
  if (v === null || v === undefined) return o.u8(0xc0);
  if (v === false) return o.u8(0xc2);
  if (v === true) return o.u8(0xc3);
  if (v instanceof F32) {
    o.u8(0xca);
    const b = Buffer.allocUnsafe(4);
    b.writeFloatBE(v.value);
    return o.bytes(b);
  }
  if (typeof v === 'bigint') {
    const b = Buffer.allocUnsafe(8);
    if (v < 0n) {
      o.u8(0xd3);
      b.writeBigInt64BE(v);
    } else {
      o.u8(0xcf);
      b.writeBigUInt64BE(v);
    }
    return o.bytes(b);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Object.is(v, -0) && Math.abs(v) <= 0xffffffff) {
      if (v >= 0 && v <= 0x7f) return o.u8(v);
      if (v < 0 && v >= -32) return o.u8(v & 0xff);
      if (v >= 0) {
        if (v <= 0xff) { o.u8(0xcc); return o.u8(v); }
        if (v <= 0xffff) { o.u8(0xcd); return o.u16(v); }
        o.u8(0xce);
        return o.u32(v);
      }
      if (v >= -0x80) { o.u8(0xd0); return o.u8(v); }
      if (v >= -0x8000) { o.u8(0xd1); return o.u16(v & 0xffff); }
      if (v >= -0x80000000) { o.u8(0xd2); return o.u32(v >>> 0); }
    }
    o.u8(0xcb);
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v);
    return o.bytes(b);
  }
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    header(o, b.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
    return o.bytes(b);
  }
  if (v instanceof Uint8Array) {
    header(o, v.length, undefined, 0, 0xc4, 0xc5, 0xc6);
    return o.bytes(v);
  }
  if (v instanceof Ext) {
    const n = v.data.length;
    const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    if (fixed[n] !== undefined) o.u8(fixed[n]);
    else header(o, n, undefined, 0, 0xc7, 0xc8, 0xc9);
    o.u8(v.type & 0xff);
    return o.bytes(v.data);
  }
  if (Array.isArray(v)) {
    header(o, v.length, 0x90, 15, undefined, 0xdc, 0xdd);
    for (const x of v) write(o, x);
    return;
  }
  const entries = v instanceof Entries ? v.entries : v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  header(o, entries.length, 0x80, 15, undefined, 0xde, 0xdf);
  for (const [k, x] of entries) {
    write(o, k);
    write(o, x);
  }
}

export function mp(v: MpValue): Buffer {
  const o = new Out();
  write(o, v);
  return o.done();
}

/** A container or string header that claims `n` items or bytes (the content is the caller's). */
export function claimHeader(kind: 'map' | 'array' | 'str' | 'bin' | 'ext', n: number): Buffer {
  const o = new Out();
  if (kind === 'map') header(o, n, 0x80, 15, undefined, 0xde, 0xdf);
  else if (kind === 'array') header(o, n, 0x90, 15, undefined, 0xdc, 0xdd);
  else if (kind === 'str') header(o, n, 0xa0, 31, 0xd9, 0xda, 0xdb);
  else if (kind === 'bin') header(o, n, undefined, 0, 0xc4, 0xc5, 0xc6);
  else {
    header(o, n, undefined, 0, 0xc7, 0xc8, 0xc9);
    o.u8(1);
  }
  return o.done();
}
