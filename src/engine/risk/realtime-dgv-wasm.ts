/**
 * The dgv loss accumulation of realtime-risk.ts in WebAssembly SIMD (f64x2): two scenarios per
 * instruction instead of one. It is the hot loop of a real-time recalculation (17 underlyings × 500
 * scenarios ≈ 8,500 multiply-adds per portfolio) and V8 does not vectorise the scalar JS version.
 *
 * Same arithmetic as the JS loop, lane by lane and in the same order, so both give bit-identical
 * losses (IEEE add/mul per lane; no fused multiply-add in wasm SIMD):
 *   loss[s] −= (r0(d0 + h0 r0) + r1(d1 + h1 r1)) + (r2(d2 + h2 r2) + r3(d3 + h3 r3))
 *
 * The module is 200-odd bytes assembled below rather than a .wasm file so the engine stays one
 * TypeScript build with no toolchain. Memory (imported, sized per scenario set):
 *   [ returns: nU columns of `stride` f64 | fallback column | losses: stride f64 ]
 * with stride = nScenarios rounded up to even and zero padding, so every column is 16-byte aligned
 * and the last pair is whole; the padded lane's loss is never read.
 */
import type { ScenarioSet } from './realtime-risk.js';
import { meanReturns } from './realtime-risk.js';
import { I32, F64, V128, get, name, section, set, simd, tee, uleb, vec } from './wasm-assembler.js';

/** What realtime-risk.ts needs: losses for up to four columns per call. */
export interface DgvKernel {
  /** losses[0..nScenarios), a view into the module's memory (valid until the next call). */
  readonly losses: Float64Array;
  /** Byte offset of column u's returns; u = −1 is the fallback column. */
  columnOffset(u: number): number;
  clear(): void;
  add4(o0: number, o1: number, o2: number, o3: number, d0: number, d1: number, d2: number, d3: number,
    h0: number, h1: number, h2: number, h3: number): void;
  add1(o: number, d: number, h: number): void;
}

// --- the module (encodings in wasm-assembler.ts) ---------------------------------------------
const LOAD = [...simd(0x00), 3, 0]; // v128.load align=2^3 offset=0
const STORE = [...simd(0x0b), 3, 0];
const SPLAT = simd(0x14), ADD = simd(0xf0), SUB = simd(0xf1), MUL = simd(0xf2);
const I32_ADD = [0x6a], I32_GE_U = [0x4f];

/** r(d + h r) of the column at `ptr + i`, with `tmp` a v128 local. */
const term = (ptr: number, i: number, d: number, h: number, tmp: number): number[] =>
  [...get(ptr), ...get(i), ...I32_ADD, ...LOAD, ...tee(tmp), ...get(h), ...MUL, ...get(d), ...ADD, ...get(tmp), ...MUL];

/** for (i = 0; i < nBytes; i += 16) loss[i] = loss[i] − value(i) */
const loop = (loss: number, nBytes: number, i: number, value: number[]): number[] => [
  0x41, 0, ...set(i),
  0x02, 0x40, 0x03, 0x40,
  ...get(i), ...get(nBytes), ...I32_GE_U, 0x0d, 1,
  ...get(loss), ...get(i), ...I32_ADD,
  ...get(loss), ...get(i), ...I32_ADD, ...LOAD, ...value, ...SUB, ...STORE,
  ...get(i), 0x41, 16, ...I32_ADD, ...set(i),
  0x0c, 0, 0x0b, 0x0b,
];

function assemble(): Uint8Array {
  // add4(loss, nBytes, p0..p3: i32, d0..d3, h0..h3: f64); locals i: i32 (14), D0..3 (15..18), H0..3 (19..22), tmp (23)
  const splats = [0, 1, 2, 3].flatMap((k) => [...get(6 + k), ...SPLAT, ...set(15 + k), ...get(10 + k), ...SPLAT, ...set(19 + k)]);
  const sum4 = [
    ...term(2, 14, 15, 19, 23), ...term(3, 14, 16, 20, 23), ...ADD,
    ...term(4, 14, 17, 21, 23), ...term(5, 14, 18, 22, 23), ...ADD, ...ADD,
  ];
  const body4 = [...vec([[1, I32], [9, V128]]), ...splats, ...loop(0, 1, 14, sum4), 0x0b];
  // add1(loss, nBytes, p: i32, d, h: f64); locals i (5), D (6), H (7), tmp (8)
  const body1 = [
    ...vec([[1, I32], [3, V128]]), ...get(3), ...SPLAT, ...set(6), ...get(4), ...SPLAT, ...set(7),
    ...loop(0, 1, 5, term(2, 5, 6, 7, 8)), 0x0b,
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([
      [0x60, ...vec([I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64].map((t) => [t])), 0],
      [0x60, ...vec([I32, I32, I32, F64, F64].map((t) => [t])), 0],
    ])),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...name('add4'), 0x00, 0], [...name('add1'), 0x00, 1]])),
    ...section(10, vec([[...uleb(body4.length), ...body4], [...uleb(body1.length), ...body1]])),
  ];
  return Uint8Array.from(bytes);
}

/** The part of the WebAssembly global used here (lib ES2022 does not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { readonly exports: unknown };
}

/** The SIMD kernel over a scenario set, or undefined where WebAssembly SIMD is unavailable. */
export function createDgvKernel(scenarios: ScenarioSet): DgvKernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = assemble();
  if (!wasm || !wasm.validate(bytes)) return undefined;
  const nS = scenarios.nScenarios, nU = scenarios.underlyings.length;
  const stride = nS + (nS & 1);
  const colBytes = stride * 8;
  const lossOffset = (nU + 1) * colBytes;
  const pages = Math.ceil((lossOffset + colBytes) / 65536);
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const f64 = new Float64Array(memory.buffer);
  for (let u = 0; u < nU; u++) f64.set(scenarios.returns.subarray(u * nS, (u + 1) * nS), u * stride);
  f64.set(scenarios.fallbackReturns ?? meanReturns(scenarios), nU * stride);
  const exports = new wasm.Instance(new wasm.Module(bytes), { m: { mem: memory } }).exports as {
    add4: (l: number, n: number, p0: number, p1: number, p2: number, p3: number, d0: number, d1: number, d2: number, d3: number,
      h0: number, h1: number, h2: number, h3: number) => void;
    add1: (l: number, n: number, p: number, d: number, h: number) => void;
  };
  const losses = new Float64Array(memory.buffer, lossOffset, nS);
  const full = new Float64Array(memory.buffer, lossOffset, stride);
  const { add4, add1 } = exports;
  return {
    losses,
    columnOffset: (u) => (u >= 0 ? u : nU) * colBytes,
    clear: () => full.fill(0),
    add4: (o0, o1, o2, o3, d0, d1, d2, d3, h0, h1, h2, h3) => add4(lossOffset, colBytes, o0, o1, o2, o3, d0, d1, d2, d3, h0, h1, h2, h3),
    add1: (o, d, h) => add1(lossOffset, colBytes, o, d, h),
  };
}
