/**
 * A MessagePack writer for frames whose shape is known, writing the same bytes as
 * @msgpack/msgpack's Encoder (smallest integer form for safe integers, float64 otherwise,
 * fixstr/str8/16/32, fixmap/map16/32, fixarray/array16/32) with the encoded bytes of short strings
 * cached. The caller writes keys in the order the library would (Object.keys order).
 *
 * Why by hand: a risk frame is a map of ~150 entries (byUnderlying has eight figures per
 * underlying) whose keys are the same few dozen strings every time, and the gateway sends one per
 * subscribed portfolio per recalculation; the library spends most of its time re-encoding those
 * keys (docs/BENCHMARKS.md), which a writer for the shape (risk-frame.ts) does once.
 */
const CACHE_MAX_ENTRIES = 8192;
const CACHE_MAX_CHARS = 64;

export class MsgpackWriter {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  private pos = 0;
  private readonly strings = new Map<string, Uint8Array>();
  private readonly utf8 = new TextEncoder();

  /** Starts a new frame. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** A fresh copy of the frame written since reset(). */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }

  /** The frame written since reset(), in the writer's own buffer: valid until the next reset(). */
  frame(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }

  nil(): void {
    this.ensure(1);
    this.bytes[this.pos++] = 0xc0;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.bytes[this.pos++] = v ? 0xc3 : 0xc2;
  }

  mapHeader(n: number): void {
    this.header(n, 0x80, 0xde, 0xdf);
  }

  arrayHeader(n: number): void {
    this.header(n, 0x90, 0xdc, 0xdd);
  }

  number(x: number): void {
    this.ensure(9);
    const b = this.bytes;
    if (Number.isSafeInteger(x)) {
      if (x >= 0) {
        if (x < 0x80) { b[this.pos++] = x; return; }
        if (x < 0x100) { b[this.pos++] = 0xcc; b[this.pos++] = x; return; }
        if (x < 0x10000) { b[this.pos++] = 0xcd; this.view.setUint16(this.pos, x); this.pos += 2; return; }
        if (x < 0x100000000) { b[this.pos++] = 0xce; this.view.setUint32(this.pos, x); this.pos += 4; return; }
        b[this.pos++] = 0xcf;
        this.view.setUint32(this.pos, Math.floor(x / 0x100000000)); this.view.setUint32(this.pos + 4, x >>> 0);
        this.pos += 8;
        return;
      }
      if (x >= -0x20) { b[this.pos++] = 0xe0 | (x + 0x20); return; }
      if (x >= -0x80) { b[this.pos++] = 0xd0; this.view.setInt8(this.pos, x); this.pos += 1; return; }
      if (x >= -0x8000) { b[this.pos++] = 0xd1; this.view.setInt16(this.pos, x); this.pos += 2; return; }
      if (x >= -0x80000000) { b[this.pos++] = 0xd2; this.view.setInt32(this.pos, x); this.pos += 4; return; }
      b[this.pos++] = 0xd3;
      this.view.setInt32(this.pos, Math.floor(x / 0x100000000)); this.view.setUint32(this.pos + 4, x >>> 0);
      this.pos += 8;
      return;
    }
    b[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, x);
    this.pos += 8;
  }

  string(s: string): void {
    let enc = this.strings.get(s);
    if (enc === undefined) {
      enc = this.encodeString(s);
      if (s.length <= CACHE_MAX_CHARS && this.strings.size < CACHE_MAX_ENTRIES) this.strings.set(s, enc);
    }
    this.raw(enc);
  }

  /** Bytes already encoded (a constant key from `encoded`). */
  raw(enc: Uint8Array): void {
    const n = enc.length;
    this.ensure(n);
    const b = this.bytes;
    // An element loop: TypedArray#set costs more than the copy for the few bytes of a key.
    for (let i = 0, p = this.pos; i < n; i++) b[p + i] = enc[i] as number;
    this.pos += n;
  }

  /** A map entry: a constant key (from `encoded`) and a number. */
  num(key: Uint8Array, value: number): void {
    this.raw(key);
    this.number(value);
  }

  /** The encoding of a string, to keep as a constant and write with raw(). */
  encoded(s: string): Uint8Array {
    return this.encodeString(s);
  }

  /**
   * Header and UTF-8 bytes of a string. Like the library: up to 50 UTF-16 units by hand, where a
   * lone surrogate is written as its own 3-byte sequence, longer ones by TextEncoder (U+FFFD).
   */
  private encodeString(s: string): Uint8Array {
    const body = s.length > 50 ? this.utf8.encode(s) : utf8Short(s);
    const n = body.length;
    const head = n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    const out = new Uint8Array(head + n);
    const dv = new DataView(out.buffer);
    if (n < 32) out[0] = 0xa0 + n;
    else if (n < 0x100) { out[0] = 0xd9; out[1] = n; }
    else if (n < 0x10000) { out[0] = 0xda; dv.setUint16(1, n); }
    else if (n < 0x100000000) { out[0] = 0xdb; dv.setUint32(1, n); }
    else throw new RangeError(`string of ${n} UTF-8 bytes is too long for MessagePack`);
    out.set(body, head);
    return out;
  }

  private header(n: number, fix: number, h16: number, h32: number): void {
    this.ensure(5);
    if (n < 16) this.bytes[this.pos++] = fix + n;
    else if (n < 0x10000) { this.bytes[this.pos++] = h16; this.view.setUint16(this.pos, n); this.pos += 2; }
    else { this.bytes[this.pos++] = h32; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/** UTF-8 of a short string, surrogate pairs joined, a lone surrogate encoded as its code unit. */
function utf8Short(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if ((d & 0xfc00) === 0xdc00) { c = ((c & 0x3ff) << 10) + (d & 0x3ff) + 0x10000; i++; }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
