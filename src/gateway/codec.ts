/**
 * Frames in and out. One Encoder and one Decoder per codec (the library clones on re-entrancy, so
 * sharing is safe). Decoding is bounded three ways: frame size, string/binary/array/map lengths
 * (the Decoder's own limits) and nesting depth, which @msgpack/msgpack does not bound, so a
 * pre-scan of the bytes refuses a deep frame before any object is built.
 */
import { DecodeError, Decoder, Encoder } from '@msgpack/msgpack';
import { type GatewayError, errors } from './errors.js';

export interface CodecOptions {
  /** Frames above this get FRAME_TOO_LARGE; keep it below uWS's maxPayloadLength. */
  readonly maxFrameBytes: number;
  /** Nesting levels allowed; the root map is level 1. */
  readonly maxDepth: number;
}

export const DEFAULT_CODEC_OPTIONS: CodecOptions = Object.freeze({ maxFrameBytes: 64 * 1024, maxDepth: 8 });

export type DecodeResult = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly error: GatewayError };

/**
 * Map keys must be strings (every protocol field is named). The library also takes numbers and
 * turns them into strings, so `{1: x}` and `{"1": x}` would read the same; refused instead.
 */
function stringKey(key: unknown): string {
  if (typeof key !== 'string') throw new DecodeError(`map keys must be strings, got a ${typeof key}`);
  return key;
}

const DEEP = -1;
const MALFORMED = -2;

/**
 * Walks the MessagePack item structure without building values and returns the maximum depth
 * reached, DEEP as soon as it passes maxDepth, or MALFORMED (left to the decoder to describe).
 * Iterative, O(bytes), no allocation beyond one small array.
 */
export function scanDepth(bytes: Uint8Array, maxDepth: number): number {
  const len = bytes.length;
  const remaining: number[] = [];
  let depth = 0;
  let deepest = 0;
  let pos = 0;
  const u16 = (p: number) => ((bytes[p] ?? 0) << 8) | (bytes[p + 1] ?? 0);
  const u32 = (p: number) => (bytes[p] ?? 0) * 0x1000000 + (((bytes[p + 1] ?? 0) << 16) | ((bytes[p + 2] ?? 0) << 8) | (bytes[p + 3] ?? 0));
  for (;;) {
    if (pos >= len) return MALFORMED;
    const b = bytes[pos] as number;
    let items = -1; // > -1 for a container: number of child items
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) pos += 1;
    else if (b <= 0x8f) { items = (b & 0x0f) * 2; pos += 1; }
    else if (b <= 0x9f) { items = b & 0x0f; pos += 1; }
    else if (b <= 0xbf) pos += 1 + (b & 0x1f);
    else {
      switch (b) {
        case 0xc4: case 0xd9: pos += 2 + (bytes[pos + 1] ?? 0); break;
        case 0xc5: case 0xda: pos += 3 + u16(pos + 1); break;
        case 0xc6: case 0xdb: pos += 5 + u32(pos + 1); break;
        case 0xc7: pos += 3 + (bytes[pos + 1] ?? 0); break;
        case 0xc8: pos += 4 + u16(pos + 1); break;
        case 0xc9: pos += 6 + u32(pos + 1); break;
        case 0xca: case 0xce: case 0xd2: pos += 5; break;
        case 0xcb: case 0xcf: case 0xd3: pos += 9; break;
        case 0xcc: case 0xd0: pos += 2; break;
        case 0xcd: case 0xd1: pos += 3; break;
        case 0xd4: pos += 3; break;
        case 0xd5: pos += 4; break;
        case 0xd6: pos += 6; break;
        case 0xd7: pos += 10; break;
        case 0xd8: pos += 18; break;
        case 0xdc: items = u16(pos + 1); pos += 3; break;
        case 0xdd: items = u32(pos + 1); pos += 5; break;
        case 0xde: items = u16(pos + 1) * 2; pos += 3; break;
        case 0xdf: items = u32(pos + 1) * 2; pos += 5; break;
        default: return MALFORMED; // 0xc1
      }
    }
    if (items > 0) {
      depth += 1;
      if (depth > maxDepth) return DEEP;
      if (depth > deepest) deepest = depth;
      remaining[depth] = items;
      continue;
    }
    if (items === 0 && depth + 1 > deepest) deepest = depth + 1;
    // One item finished: close every container it completes.
    while (depth > 0) {
      const left = (remaining[depth] as number) - 1;
      remaining[depth] = left;
      if (left > 0) break;
      depth -= 1;
    }
    if (depth === 0) return pos > len ? MALFORMED : deepest;
  }
}

export class Codec {
  private readonly encoder = new Encoder({ ignoreUndefined: true });
  private readonly decoder = new Decoder({
    maxStrLength: 16 * 1024, maxBinLength: 4 * 1024, maxArrayLength: 1024, maxMapLength: 64, maxExtLength: 0, mapKeyConverter: stringKey,
  });
  readonly options: CodecOptions;

  constructor(options: Partial<CodecOptions> = {}) {
    this.options = { ...DEFAULT_CODEC_OPTIONS, ...options };
  }

  /** Decodes a frame synchronously (uWS neuters `ab` after the callback; decoded strings are copies). */
  decode(ab: ArrayBuffer): DecodeResult {
    const { maxFrameBytes, maxDepth } = this.options;
    if (ab.byteLength > maxFrameBytes) return { ok: false, error: errors.frameTooLarge(ab.byteLength, maxFrameBytes) };
    if (ab.byteLength === 0) return { ok: false, error: errors.badFrame('empty frame') };
    const bytes = new Uint8Array(ab);
    const depth = scanDepth(bytes, maxDepth);
    if (depth === DEEP) return { ok: false, error: errors.tooDeep(maxDepth) };
    let value: unknown;
    try {
      value = this.decoder.decode(bytes);
    } catch (e) {
      // DecodeError for bad type bytes and limits, RangeError for truncated or trailing data.
      return { ok: false, error: errors.badFrame(e instanceof Error ? e.message : String(e)) };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      return { ok: false, error: errors.badFrame('the root is not a map') };
    }
    return { ok: true, value: value as Record<string, unknown> };
  }

  /**
   * Encodes into the encoder's shared buffer: valid only until the next encode. Safe to hand
   * straight to ws.send / res.end, which copy synchronously.
   */
  encodeShared(msg: object): Uint8Array {
    return this.encoder.encodeSharedRef(msg);
  }

  /** Encodes into a fresh buffer (for bytes kept past the next encode). */
  encode(msg: object): Uint8Array {
    return this.encoder.encode(msg);
  }
}
