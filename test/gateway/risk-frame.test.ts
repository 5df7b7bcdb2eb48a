import { readFileSync } from 'node:fs';
import { decode, Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { streamedRisk } from '../../src/engine/actors/streamed-risk.js';
import type { RiskSnapshot } from '../../src/engine/actors/types.js';
import { createRng } from '../../src/engine/risk/prng.js';
import { REALTIME_VAR_METHOD } from '../../src/engine/risk/realtime-risk.js';
import { MsgpackWriter } from '../../src/gateway/msgpack-writer.js';
import { RiskFrameWriter } from '../../src/gateway/risk-frame.js';

const library = new Encoder({ ignoreUndefined: true });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const NUMBERS = [
  0, -0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), -1, -32, -33, -128, -129,
  -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40) - 7, 2 ** 40 + 3, 0.5, -0.1, 1e300, 2 ** 53, NaN, Infinity, -Infinity, 1736960400123.456,
];
const STRINGS = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(255), 'y'.repeat(256), 'z'.repeat(70000), 'é', '日本語', '😀', '\ud800', 'a\udc00b',
  `${'\ud83d'.repeat(3)}${'q'.repeat(60)}`, `${'\ud83d'.repeat(3)}q`, 'GREEK_LIMIT_DELTA'];

describe('msgpack writer', () => {
  it('writes every number and string form exactly as @msgpack/msgpack does, cached or not', () => {
    const w = new MsgpackWriter();
    for (const x of NUMBERS) { w.reset().number(x); expect(hex(w.finish())).toBe(hex(library.encode(x))); }
    for (const s of [...STRINGS, ...STRINGS]) { w.reset().string(s); expect(hex(w.finish())).toBe(hex(library.encode(s))); }
    for (const n of [0, 15, 16, 65535, 65536]) {
      w.reset().arrayHeader(n);
      for (let i = 0; i < n; i++) w.number(i);
      expect(hex(w.finish())).toBe(hex(library.encode(Array.from({ length: n }, (_, i) => i))));
      w.reset().mapHeader(n);
      for (let i = 0; i < n; i++) { w.string(`k${i}`); w.nil(); }
      expect(hex(w.finish())).toBe(hex(library.encode(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, null])))));
    }
  });
});

function randomSnapshot(rng: ReturnType<typeof createRng>): RiskSnapshot {
  const num = (): number => (rng.nextUniform() < 0.3 ? (NUMBERS[Math.floor(rng.nextUniform() * NUMBERS.length)] as number) : (rng.nextUniform() - 0.5) * 10 ** Math.floor(rng.nextUniform() * 12));
  const names = Array.from({ length: Math.floor(rng.nextUniform() * 20) }, (_, i) => (i % 7 === 6 ? `LONG-${'N'.repeat(40)}-${i}` : `U${i}`));
  return {
    portfolioId: rng.nextUniform() < 0.1 ? 'é'.repeat(40) : `P${Math.floor(rng.nextUniform() * 1e6)}`,
    seq: Math.floor(rng.nextUniform() * 1e9), tickTs: num(), computedMs: num(),
    greeks: { delta: num(), gamma: num(), vega: num(), thetaPerYear: num(), rho: num() },
    byUnderlying: Object.fromEntries(names.map((n) => [n, { delta: num(), gamma: num(), vega: num(), thetaPerYear: num(), rho: num(), spot: num(), dollarDelta: num(), dollarGamma: num() }])),
    marketValue: num(), equity: num(), pnl: { realised: num(), unrealised: num(), total: num() },
    var: { method: 'delta-gamma', confidence: 0.99, value: num(), esConfidence: 0.975, es: num() },
    margin: { method: 'span', requirement: num(), computedMs: num() },
    leverage: num(),
    breaches: Array.from({ length: Math.floor(rng.nextUniform() * 18) }, (_, i) => ({ code: 'VAR_LIMIT', detail: `VaR ${num()} > limit ${i}` })),
  };
}

describe('risk frame', () => {
  it('is the library\'s encoding of { type: "risk", ...streamedRisk(snapshot) } for thousands of random snapshots', () => {
    const writer = new RiskFrameWriter();
    const rng = createRng(17);
    for (let i = 0; i < 2000; i++) {
      const r = randomSnapshot(rng);
      expect(hex(writer.encode(r))).toBe(hex(library.encode({ type: 'risk', ...streamedRisk(r) })));
    }
  });

  it('names thetaPerYear theta on the wire, as docs/PROTOCOL.md does, in the totals and per underlying', () => {
    const r = randomSnapshot(createRng(5));
    const frame = decode(new RiskFrameWriter().encode({ ...r, byUnderlying: { AAA: { ...r.greeks, spot: 1, dollarDelta: 2, dollarGamma: 3 } } })) as {
      greeks: Record<string, number>; byUnderlying: Record<string, Record<string, number>>;
    };
    expect(Object.keys(frame.greeks)).toEqual(['delta', 'gamma', 'vega', 'theta', 'rho']);
    expect(frame.greeks.theta).toBe(r.greeks.thetaPerYear);
    expect(frame.byUnderlying.AAA?.theta).toBe(r.greeks.thetaPerYear);
  });

  it('writes each frame from the start of its buffer, whatever the size of the one before', () => {
    const writer = new RiskFrameWriter();
    const rng = createRng(3);
    for (let i = 0; i < 50; i++) {
      const r = randomSnapshot(rng);
      expect(hex(writer.encode(r))).toBe(hex(library.encode({ type: 'risk', ...streamedRisk(r) })));
    }
  });
});

describe('risk frame documentation', () => {
  const doc = (name: string): string => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

  it('names the VaR method as the engine does (what its kernel computes) in docs/PROTOCOL.md and docs/RISK-METHODS.md', () => {
    expect(REALTIME_VAR_METHOD).toBe('delta-gamma');
    const protocol = doc('PROTOCOL.md');
    const named = [...protocol.matchAll(/var \{method:"([^"]*)"/g), ...protocol.matchAll(/"var":\{"method":"([^"]*)"/g)].map((m) => m[1]);
    expect(named).toHaveLength(2); // the frame table and the frame example
    expect(new Set(named)).toEqual(new Set([REALTIME_VAR_METHOD]));
    expect(doc('RISK-METHODS.md')).toContain(`The risk frame's \`var.method\` is \`${REALTIME_VAR_METHOD}\``);
  });
});
