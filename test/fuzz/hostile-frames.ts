/**
 * Hostile websocket frames from a seeded Rand: random bytes, MessagePack of every type (extension
 * types included), deep nesting, huge and lying maps, arrays, strings and binaries, trailing and
 * missing bytes, non-string and `__proto__` keys, text frames, and every client message type of
 * src/gateway/protocol.ts with each field wrong in turn. Each frame says how many replies it earns.
 */
import { CLIENT_MSG_TYPES } from '../../src/gateway/protocol.js';
import { Entries, Ext, F32, RawMp, claimHeader, mp } from './msgpack-raw.js';
import type { Rand } from './random.js';

export interface HostileFrame {
  readonly data: Buffer;
  readonly binary: boolean;
  /** Short description for a report. */
  readonly what: string;
  /**
   * Replies it earns: one (an error, an ack ...); zero or one (a tick without `id`: acknowledged
   * only on failure); or a close (above uWS's maxPayloadLength).
   */
  readonly replies: 'one' | 'zeroOrOne' | 'close';
  /** The `id` it carries, when it carries a readable one (to name the frame a reply belongs to). */
  readonly id?: string;
}

/** Who sends: the frames valid for one are refused for another. */
export type Sender = 'anon' | 'trader' | 'admin' | 'feed' | 'risk_manager' | 'compliance_officer';

export interface FrameFuzzContext {
  /** The token an `auth` message carries: valid for an authenticated sender, refused for anon. */
  readonly authToken: string;
  readonly portfolioIds: readonly string[];
  readonly maxFrameBytes: number;
}

let nextId = 0;
const fid = (): string => `f${(nextId++).toString(36)}`;

/** A valid message of each type (for its sender), before a field is broken. */
function template(rand: Rand, ctx: FrameFuzzContext, type: string, id: string): Record<string, unknown> {
  const pid = rand.pick(ctx.portfolioIds);
  switch (type) {
    case 'auth':
      return { type, id, token: ctx.authToken };
    case 'subscribe':
    case 'unsubscribe':
      return rand.chance(0.5) ? { type, id, channel: rand.pick(['risk', 'orders']), portfolioId: pid } : { type, id, channel: 'market', symbol: rand.pick(['AAA', 'BBB', 'FZA']) };
    case 'tick':
      return { type, id, symbol: rand.pick(['FZA', 'FZB', 'BBB']), price: 50 + rand.next() * 100, ts: Date.now() };
    case 'order':
      return {
        type, id, portfolioId: pid, clientOrderId: `w-${rand.int(1e9)}`, instrument: 'AAA', side: rand.pick(['buy', 'sell']), qty: rand.range(1, 5), orderType: rand.pick(['market', 'limit']), limitPrice: 90 + rand.int(20),
        // Screened at the gateway: an ordinary name trades, a listed one is refused SANCTIONED_COUNTERPARTY.
        counterparty: { name: rand.pick(['Nordsee Handels GmbH', 'Margaret Thompson', 'Usama bin Laden']), country: rand.pick(['DE', 'GB', 'IR']) },
      };
    case 'cancel':
      return { type, id, portfolioId: pid, orderId: `${pid}-o${rand.int(30)}` };
    default:
      return { type, id, portfolioId: pid, orderId: `${pid}-o${rand.int(30)}`, qty: rand.range(1, 5) };
  }
}

/** A MessagePack value of any type, small unless asked otherwise. */
/** Kinds of value anyValue makes: every MessagePack type, and the awkward values of each. */
const VALUE_KINDS = 30;

function anyValue(rand: Rand, depth = 0, kind?: number): unknown {
  const k = kind ?? rand.int(depth > 2 ? 26 : VALUE_KINDS);
  switch (k) {
    case 0: return null;
    case 1: return rand.chance(0.5);
    case 2: return rand.int(128);
    case 3: return -rand.range(1, 32);
    case 4: return rand.pick([255, 65535, 0xffffffff, -128, -32768, -0x80000000]);
    case 5: return rand.pick([2n ** 63n - 1n, 2n ** 64n - 1n, -(2n ** 63n), 2n ** 53n + 1n]);
    case 6: return rand.pick([NaN, Infinity, -Infinity, -0, 1e308, 5e-324, 1.5]);
    case 7: return new F32(rand.pick([NaN, Infinity, 1.5, -0]));
    case 8: return '';
    case 9: return rand.ascii(rand.range(1, 40));
    case 10: return 'x'.repeat(rand.chance(0.9) ? rand.pick([33, 256, 1000]) : 17_000);
    case 11: return new RawMp(Buffer.concat([claimHeader('str', 4), Buffer.from([0xff, 0xfe, 0xc0, 0x80])]));
    case 12: return '\u0000\ud800';
    case 13: return rand.bytes(rand.range(0, 20));
    case 14: return Buffer.alloc(rand.pick([300, 5000]));
    case 15: return new Ext(rand.range(-128, 127), rand.bytes(rand.pick([1, 2, 4, 8, 16, 3, 300])));
    case 16: return new Ext(-1, Buffer.from([0, 0, 0, 1])); // a timestamp
    case 17: return new Ext(-1, Buffer.alloc(12, 0xff));
    case 18: return [];
    case 19: return {};
    case 20: return new Entries([[1, 2]]);
    case 21: return new Entries([[null, 1]]);
    case 22: return new Entries([[[1], 1]]);
    case 23: return new Entries([[new Map([['a', 1]]), 1]]);
    case 24: return new Entries([[Buffer.from('k'), 1]]);
    case 25: return new Entries([['__proto__', { polluted: true }]]);
    case 26: return Array.from({ length: rand.range(1, 5) }, () => anyValue(rand, depth + 1));
    case 27: return Object.fromEntries(Array.from({ length: rand.range(1, 5) }, (_, i) => [`k${i}`, anyValue(rand, depth + 1)]));
    case 28: return new Entries([['constructor', { prototype: { x: 1 } }]]);
    default: return new Entries([['toString', 1], ['hasOwnProperty', 2]]);
  }
}

/** A message of a known type with one field wrong, missing or added, or its keys poisoned. */
function brokenMessage(rand: Rand, ctx: FrameFuzzContext): HostileFrame {
  const type = rand.pick(CLIENT_MSG_TYPES);
  const id = fid();
  const msg = template(rand, ctx, type, id);
  const fields = Object.keys(msg);
  const k = rand.int(10);
  let how: string;
  let entries: [unknown, unknown][] = Object.entries(msg);
  if (k < 6) {
    const f = rand.pick(fields);
    const v = anyValue(rand);
    entries = entries.map(([key, x]) => [key, key === f ? v : x]);
    how = `${f} = ${describe(v)}`;
  } else if (k < 7) {
    const f = rand.pick(fields);
    entries = entries.filter(([key]) => key !== f);
    how = `${f} missing`;
  } else if (k < 8) {
    const key = rand.pick(['__proto__', 'constructor', 'prototype', 'limitprice', '', 'x'.repeat(300), 'type']);
    entries.push([key, anyValue(rand)]);
    how = `extra key ${key.slice(0, 20)}`;
  } else if (k < 9) {
    const key = rand.pick<unknown>([1, -1, null, true, 1.5, Buffer.from('id'), [1], new Map([['a', 1]])]);
    entries.push([key, 1]);
    how = `non-string key ${describe(key)}`;
  } else {
    entries = entries.map(([key, x]) => [key, key === 'type' ? rand.pick<unknown>(['ORDER', `${type}\0`, ` ${type}`, type.repeat(40), 7, null, [type], { type }]) : x]);
    how = 'type wrong';
  }
  const idSurvives = entries.some(([key, x]) => key === 'id' && x === id);
  // A tick whose id went (or is the broken field) is acknowledged only if refused.
  const replies = type === 'tick' && !idSurvives ? 'zeroOrOne' : 'one';
  return { data: mp(new Entries(entries)), binary: true, what: `${type}: ${how}`, replies, ...(idSurvives ? { id } : {}) };
}

function describe(v: unknown): string {
  if (v instanceof Ext) return `ext(${v.type}, ${v.data.length} B)`;
  if (v instanceof Entries) return `map{${v.entries.map(([k]) => describe(k)).join(',')}}`;
  if (v instanceof RawMp) return 'raw bytes';
  if (v instanceof F32) return `f32 ${v.value}`;
  if (v instanceof Uint8Array) return `bin ${v.length} B`;
  if (typeof v === 'string') return v.length > 20 ? `string of ${v.length}` : JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Map) return 'map';
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'map';
  return String(v);
}

/** Large frames that depend only on their size, built once (building them was most of the fuzz's own CPU). */
const built = new Map<string, Buffer>();
function once(key: string, make: () => Buffer): Buffer {
  let b = built.get(key);
  if (b === undefined) built.set(key, (b = make()));
  return b;
}

function deep(rand: Rand): HostileFrame {
  const n = rand.pick([9, 10, 64, 1000, 5000]);
  const arrays = rand.chance(0.5);
  const data = once(`deep ${n} ${arrays}`, () => {
    const open = arrays ? Buffer.from([0x91]) : Buffer.from([0x81, 0xa1, 0x61]); // [x] or {a: x}
    // {type: "order", nested: <n levels>}
    const root = Buffer.concat([Buffer.from([0x82]), mp('type'), mp('order'), mp('nested')]);
    return Buffer.concat([root, Buffer.concat(Array<Buffer>(n).fill(open)), Buffer.from([0xc0])]);
  });
  return { data, binary: true, what: `nested ${n} levels`, replies: 'one' };
}

/** Lengths over the decoder's limits, and lengths that claim more bytes than the frame has. */
function huge(rand: Rand, ctx: FrameFuzzContext): HostileFrame {
  const k = rand.int(10);
  const head = Buffer.concat([Buffer.from([0x82]), mp('type'), mp('subscribe'), mp('x')]);
  switch (k) {
    case 0: {
      const n = rand.pick([65, 500, 3000]);
      return { data: once(`map ${n}`, () => mp(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))), binary: true, what: `map of ${n}`, replies: 'one' };
    }
    case 1: {
      const n = rand.pick([1025, 10_000]);
      return { data: once(`array ${n}`, () => Buffer.concat([head, mp(Array.from({ length: n }, () => 0))])), binary: true, what: `array of ${n}`, replies: 'one' };
    }
    case 2:
      return { data: Buffer.concat([head, claimHeader('array', 0xffffffff)]), binary: true, what: 'array claiming 2^32-1 items', replies: 'one' };
    case 3:
      return { data: claimHeader('map', 0xffffffff), binary: true, what: 'map claiming 2^32-1 entries', replies: 'one' };
    case 4:
      return { data: Buffer.concat([head, claimHeader('str', 0xffffffff), Buffer.from('abc')]), binary: true, what: 'string claiming 4 GiB', replies: 'one' };
    case 5:
      return { data: Buffer.concat([head, claimHeader('bin', 0xfffffff0)]), binary: true, what: 'binary claiming 4 GiB', replies: 'one' };
    case 6:
      return { data: Buffer.concat([head, claimHeader('ext', 0xfffffff0)]), binary: true, what: 'extension claiming 4 GiB', replies: 'one' };
    case 7: {
      const n = 16 * 1024 + rand.range(1, 100);
      return { data: Buffer.concat([head, mp('s'.repeat(n))]), binary: true, what: `string of ${n}`, replies: 'one' };
    }
    case 8:
      return { data: Buffer.concat([head, mp(Buffer.alloc(4097))]), binary: true, what: 'binary of 4097 B', replies: 'one' };
    default: {
      // Between maxFrameBytes and uWS's maxPayloadLength: FRAME_TOO_LARGE, the connection stays.
      const n = ctx.maxFrameBytes + (rand.chance(0.95) ? rand.range(1, 100) : rand.range(1, ctx.maxFrameBytes * 3 - 1));
      if (rand.chance(0.8)) return trailingOrTruncated(rand, ctx);
      return { data: rand.chance(0.5) ? Buffer.alloc(n) : Buffer.concat([mp({ type: 'tick' }), Buffer.alloc(n)]), binary: true, what: `frame of ${n} B`, replies: 'one' };
    }
  }
}

function trailingOrTruncated(rand: Rand, ctx: FrameFuzzContext): HostileFrame {
  const msg = mp(template(rand, ctx, rand.pick(CLIENT_MSG_TYPES), fid()));
  if (rand.chance(0.5)) return { data: Buffer.concat([msg, rand.chance(0.5) ? msg : rand.bytes(rand.range(1, 10))]), binary: true, what: 'trailing bytes', replies: 'one' };
  return { data: msg.subarray(0, rand.range(1, msg.length - 1)), binary: true, what: 'truncated', replies: 'one' };
}

function textFrame(rand: Rand, ctx: FrameFuzzContext): HostileFrame {
  if (rand.chance(0.5)) return { data: Buffer.from(JSON.stringify(template(rand, ctx, 'subscribe', fid()))), binary: false, what: 'text frame (JSON)', replies: 'one' };
  return { data: Buffer.from(rand.chance(0.5) ? rand.ascii(rand.range(0, 100)) : 'ünïcødé 💥'), binary: false, what: 'text frame', replies: 'one' };
}

/**
 * Every message type with each of its fields in turn given each kind of value, missing, and the
 * message with each extra key: the systematic part of the fuzz, sent first by every sender.
 */
export function* everyFieldWrong(rand: Rand, ctx: FrameFuzzContext): Generator<HostileFrame> {
  for (const type of CLIENT_MSG_TYPES) {
    const fields = Object.keys(template(rand, ctx, type, 'x'));
    for (const f of fields) {
      for (let kind = 0; kind <= VALUE_KINDS; kind++) {
        const id = fid();
        const v = kind < VALUE_KINDS ? anyValue(rand, 0, kind) : undefined;
        const entries = Object.entries(template(rand, ctx, type, id)).flatMap(([key, x]): [string, unknown][] => (key !== f ? [[key, x]] : kind < VALUE_KINDS ? [[key, v]] : []));
        const idSurvives = entries.some(([key, x]) => key === 'id' && x === id);
        const replies = type === 'tick' && !idSurvives ? 'zeroOrOne' : 'one';
        yield { data: mp(new Entries(entries)), binary: true, what: `${type}: ${f} = ${kind < VALUE_KINDS ? describe(v) : 'missing'}`, replies, ...(idSurvives ? { id } : {}) };
      }
    }
  }
}

/** The frames every sender may send; `valid` ones (right type and fields) are rarer. */
export function hostileFrame(rand: Rand, ctx: FrameFuzzContext, sender: Sender): HostileFrame {
  const k = rand.int(100);
  if (k < 40) return brokenMessage(rand, ctx);
  if (k < 52) {
    const type = rand.pick(sender === 'feed' ? ['tick', 'tick', 'subscribe', 'auth'] : sender === 'anon' ? CLIENT_MSG_TYPES : ['subscribe', 'unsubscribe', 'order', 'cancel', 'replace', 'auth', 'tick']);
    const id = fid();
    return { data: mp(template(rand, ctx, type, id)), binary: true, what: `valid ${type}`, replies: 'one', id };
  }
  if (k < 62) return { data: rand.bytes(rand.pick([1, 2, 5, 30, 300])), binary: true, what: 'random bytes', replies: 'one' };
  if (k < 72) {
    const v = anyValue(rand);
    return { data: mp(v), binary: true, what: `root ${describe(v)}`, replies: 'one' };
  }
  if (k < 77) return deep(rand);
  if (k < 85) return huge(rand, ctx);
  if (k < 91) return trailingOrTruncated(rand, ctx);
  if (k < 95) {
    const v = anyValue(rand);
    return { data: mp({ type: 'order', id: fid(), portfolioId: v }), binary: true, what: `order with portfolioId ${describe(v)}`, replies: 'one' };
  }
  if (k < 97) return { data: Buffer.alloc(0), binary: true, what: 'empty frame', replies: 'one' };
  return textFrame(rand, ctx);
}

/**
 * A frame uWS answers by closing the connection (1006, no close frame) before the gateway sees it:
 * one above maxPayloadLength, or a text frame that is not UTF-8. uWS drops the replies still
 * queued for earlier frames, so these end a batch.
 */
export function closingFrame(rand: Rand, ctx: FrameFuzzContext): HostileFrame {
  if (rand.chance(0.5)) return { data: Buffer.from([0x61, 0xff, 0xfe, 0xc0]), binary: false, what: 'text frame, invalid UTF-8', replies: 'close' };
  const n = ctx.maxFrameBytes * 4 + rand.range(1, 100_000);
  return { data: Buffer.alloc(n, 0x90), binary: true, what: `frame of ${n} B (above maxPayloadLength)`, replies: 'close' };
}
