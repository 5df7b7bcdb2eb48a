/**
 * The scenario pass of var-dgv.ts (dgvLosses) in WebAssembly SIMD (f64x2): two scenarios per
 * instruction, the underlyings unrolled, for the delta-gamma-vega VaR of a request. V8 does not
 * vectorise the JS loop; this is about 3× faster on the 6-underlying × 500-scenario book.
 *
 * Bit-identical to dgvLosses: per lane the same IEEE adds and multiplies in the same order (wasm
 * SIMD has no fused multiply-add), i.e. for each scenario
 *   p  = ((0 + r_0(d_0 + h_0 r_0)) + r_1(d_1 + h_1 r_1)) + …      (h = ½ dollarGamma)
 *   pv = ((0 + v_0 dv_0) + v_1 dv_1) + …
 *   loss = −p − pv   (or −p without vol changes; one underlying: −r(d + h r) − v dv, no 0 +)
 * test/engine/risk/var-dgv-wasm.test.ts proves it to the bit against dgvLosses.
 *
 * The module is generated per shape (underlyings, scenario stride): column offsets are immediates
 * and each underlying's d, h, v sit in registers, so the inner loop is loads and arithmetic only.
 * Compiled modules are cached by shape. Memory, one per kernel, laid out in bytes as
 *   [ d,h,v per underlying | returns: nU columns of `stride` f64 | vol changes: same | losses ]
 * with stride = nScenarios rounded up to even (zero padding; the padded lane's loss is never read).
 * The scenario data is copied in once per scenario set (`load`), not per request. The tail keeps
 * the previous request's k-th largest loss as an exact filter (largestWithHint).
 */
import { type DgvAggregates, dgvTailRisk } from './var-dgv.js';
import { esFromTail, insertLargest, largestDescendingInto, tailSize, varFromTail } from './tail-risk.js';
import { I32, V128, get, name, section, set, simd, tee, uleb, vec } from './wasm-assembler.js';

/** Above this many underlyings the unrolled body gets large; dgvLosses (JS) is used instead. */
export const MAX_WASM_UNDERLYINGS = 64;

// --- the module (encodings in wasm-assembler.ts) ---------------------------------------------
/** v128.load / v128.store / v128.load64_splat, align 2^3, constant byte offset. */
const load = (offset: number): number[] => [...simd(0x00), 3, ...uleb(offset)];
const store = (offset: number): number[] => [...simd(0x0b), 3, ...uleb(offset)];
const splat64 = (offset: number): number[] => [...simd(0x0a), 3, ...uleb(offset)];
const ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)]; // v128.const 0
const NEG = simd(0xed), ADD = simd(0xf0), SUB = simd(0xf1), MUL = simd(0xf2);
const I32_CONST = (n: number): number[] => [0x41, ...sleb(n)];
const I32_ADD = [0x6a], I32_GE_U = [0x4f];
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Byte layout of a kernel's memory. */
interface Layout { nU: number; stride: number; colBytes: number; retBase: number; vcBase: number; lossBase: number; bytes: number }

function layout(nU: number, nScen: number): Layout {
  const stride = nScen + (nScen & 1);
  const colBytes = stride * 8;
  const retBase = Math.ceil((24 * nU) / 16) * 16;
  const vcBase = retBase + nU * colBytes;
  const lossBase = vcBase + nU * colBytes;
  return { nU, stride, colBytes, retBase, vcBase, lossBase, bytes: lossBase + colBytes };
}

/**
 * Two functions, `dg()` and `dgv()` (without and with the vega term), each filling the losses.
 * Locals: i (0, byte offset of the scenario pair), then D_u, H_u, V_u (1 + 3u …), tmp (1 + 3nU).
 */
function assemble(l: Layout): Uint8Array {
  const { nU, colBytes, retBase, vcBase, lossBase } = l;
  const D = (u: number): number => 1 + 3 * u, H = (u: number): number => 2 + 3 * u, V = (u: number): number => 3 + 3 * u;
  const tmp = 1 + 3 * nU;
  const prologue = (withVega: boolean): number[] => {
    const out: number[] = [];
    for (let u = 0; u < nU; u++) {
      out.push(...I32_CONST(0), ...splat64(24 * u), ...set(D(u)), ...I32_CONST(0), ...splat64(24 * u + 8), ...set(H(u)));
      if (withVega) out.push(...I32_CONST(0), ...splat64(24 * u + 16), ...set(V(u)));
    }
    return out;
  };
  /** r_u(d_u + h_u r_u) of the pair at i. */
  const dgTerm = (u: number): number[] =>
    [...get(0), ...load(retBase + u * colBytes), ...tee(tmp), ...get(H(u)), ...MUL, ...get(D(u)), ...ADD, ...get(tmp), ...MUL];
  const vTerm = (u: number): number[] => [...get(0), ...load(vcBase + u * colBytes), ...get(V(u)), ...MUL];
  /** Σ in underlying order; from 0 unless there is a single underlying (as dgvLosses). */
  const sum = (term: (u: number) => number[]): number[] => {
    if (nU === 1) return term(0);
    const out = [...ZERO];
    for (let u = 0; u < nU; u++) out.push(...term(u), ...ADD);
    return out;
  };
  const body = (withVega: boolean): number[] => {
    const value = [...sum(dgTerm), ...NEG, ...(withVega ? [...sum(vTerm), ...SUB] : [])];
    const code = [
      ...vec([[1, I32], [...uleb(3 * nU + 1), V128]]),
      ...prologue(withVega),
      ...I32_CONST(0), ...set(0),
      0x02, 0x40, 0x03, 0x40,
      ...get(0), ...I32_CONST(colBytes), ...I32_GE_U, 0x0d, 1,
      ...get(0), ...value, ...store(lossBase),
      ...get(0), ...I32_CONST(16), ...I32_ADD, ...set(0),
      0x0c, 0, 0x0b, 0x0b,
      0x0b,
    ];
    return [...uleb(code.length), ...code];
  };
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 0, 0]])),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, 0x00, ...uleb(pages(l))]])),
    ...section(3, vec([[0], [0]])),
    ...section(7, vec([[...name('dg'), 0x00, 0], [...name('dgv'), 0x00, 1]])),
    ...section(10, vec([body(false), body(true)])),
  ];
  return Uint8Array.from(bytes);
}

const pages = (l: Layout): number => Math.ceil(l.bytes / 65536);

/** The part of the WebAssembly global used here (lib ES2022 does not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { readonly exports: unknown };
}

/** Compiled modules by shape; a handful of shapes live in a process, the cap only bounds misuse. */
const modules = new Map<string, object>();
const MAX_MODULES = 32;

/** dgv VaR over one scenario set, with the scenario pass in wasm. */
export interface DgvVarKernel {
  readonly nScenarios: number;
  readonly nUnderlyings: number;
  /**
   * Copies a scenario set of this shape into the kernel (row-major scenario × underlying, as
   * dgvLosses takes them); without `volChanges` the vega term drops out, as in dgvLosses.
   */
  load(returns: Float64Array, volChanges?: Float64Array): void;
  /** dgvLosses of the loaded scenarios: a view into the kernel's memory, valid until the next call. */
  losses(agg: DgvAggregates): Float64Array;
  /** dgvTailRisk of the loaded scenarios (VaR and ES by tail-risk.ts). */
  tailRisk(agg: DgvAggregates, confidence: number, esConfidence: number): { var: number; es: number };
}

/**
 * A kernel for `nScen` scenarios on `nU` underlyings, or undefined where WebAssembly SIMD is not
 * available or the shape is outside what it is built for (then use dgvLosses / dgvTailRisk).
 */
export function createDgvVarKernel(nU: number, nScen: number): DgvVarKernel | undefined {
  if (!(nU >= 1 && nU <= MAX_WASM_UNDERLYINGS && nScen >= 1 && Number.isInteger(nU) && Number.isInteger(nScen))) return undefined;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return undefined;
  const l = layout(nU, nScen);
  const key = `${nU}:${l.stride}`;
  let mod = modules.get(key);
  if (!mod) {
    const bytes = assemble(l);
    if (!wasm.validate(bytes)) return undefined;
    if (modules.size >= MAX_MODULES) modules.clear();
    mod = new wasm.Module(bytes);
    modules.set(key, mod);
  }
  const memory = new wasm.Memory({ initial: pages(l), maximum: pages(l) });
  const { dg, dgv } = new wasm.Instance(mod, { m: { mem: memory } }).exports as { dg: () => void; dgv: () => void };
  const f64 = new Float64Array(memory.buffer);
  const aggView = new Float64Array(memory.buffer, 0, 3 * nU);
  const lossView = new Float64Array(memory.buffer, l.lossBase, nScen);
  const retCol = l.retBase / 8, vcCol = l.vcBase / 8;
  let withVega = false;
  // The tail: the previous request's k-th largest loss as a threshold (see largestWithHint).
  let hint = Infinity;
  let top = new Float64Array(16);
  const candidates = new Float64Array(nScen);
  return {
    nScenarios: nScen,
    nUnderlyings: nU,
    load(returns, volChanges) {
      const need = nScen * nU;
      if (returns.length < need || (volChanges && volChanges.length < need)) {
        throw new RangeError(`DgvVarKernel.load: ${nScen} scenarios × ${nU} underlyings need ${need} entries`);
      }
      // Row-major in, one column per underlying out (the padding lane stays 0).
      for (let u = 0; u < nU; u++) {
        const base = retCol + u * l.stride;
        for (let s = 0, k = u; s < nScen; s++, k += nU) f64[base + s] = returns[k] as number;
      }
      withVega = volChanges !== undefined;
      if (volChanges) {
        for (let u = 0; u < nU; u++) {
          const base = vcCol + u * l.stride;
          for (let s = 0, k = u; s < nScen; s++, k += nU) f64[base + s] = volChanges[k] as number;
        }
      }
    },
    losses(agg) {
      const dd = agg.dollarDelta, hg = agg.dollarGamma, vg = agg.vega;
      for (let u = 0, j = 0; u < nU; u++, j += 3) {
        aggView[j] = dd[u] as number;
        aggView[j + 1] = 0.5 * (hg[u] as number);
        aggView[j + 2] = vg[u] as number;
      }
      if (withVega) dgv();
      else dg();
      return lossView;
    },
    tailRisk(agg, confidence, esConfidence) {
      const losses = this.losses(agg);
      const k = tailSize(nScen, confidence, esConfidence);
      if (top.length < k) top = new Float64Array(k);
      // Only in the insertion regime of largestDescendingInto (k·8 ≤ n), whose NaN handling it
      // shares; a large tail goes the full-sort way, as dgvTailRisk does.
      if (k * 8 > nScen || !largestWithHint(losses, nScen, k, hint, top, candidates)) largestDescendingInto(losses, k, nScen, top);
      // A little below this k-th largest, so that the next request's, a little lower, still passes.
      const kth = top[k - 1] as number;
      hint = kth - 0.25 * ((top[0] as number) - kth);
      return { var: varFromTail(top, nScen, confidence), es: esFromTail(top, nScen, esConfidence) };
    },
  };
}

/**
 * The k largest of losses[0..n) into top[0..k), descending, when at least k of them are ≥ `hint`;
 * false (top untouched) otherwise. Exact, not a guess: if k losses are ≥ hint, the k-th largest is
 * ≥ hint, so every loss below hint is outside the top k and only the few at or above it need the
 * insertion. Why: on the real-time path consecutive requests see nearly the same P&L vector, so the
 * previous request's k-th largest filters 500 losses down to about k with one predictable compare
 * each, where the plain insertion scan (tail-risk.ts) pays a mispredicted branch per entry to the
 * tail. NaN losses are skipped, as in that scan (its full-sort branch for k·8 > n ranks NaN first:
 * callers keep to k·8 ≤ n). Allocates nothing (`cand` holds up to n).
 */
export function largestWithHint(losses: Float64Array, n: number, k: number, hint: number, top: Float64Array, cand: Float64Array): boolean {
  if (!(k > 0) || Number.isNaN(hint)) return false;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = losses[i] as number;
    if (x >= hint) cand[c++] = x;
  }
  if (c < k) return false;
  insertLargest(cand, c, top, k);
  return true;
}

/** compute-var's kernel, reused while requests keep the same shape (computeVar is synchronous). */
let shared: DgvVarKernel | undefined;
let sharedFailed = '';

/**
 * dgvTailRisk through the wasm kernel when it is available for this shape, else the JS path; the
 * same figures either way (bit-identical losses, same tail). For one-off requests: copies the
 * scenarios in each call (a few microseconds), which a long-lived caller avoids by keeping its own
 * kernel from createDgvVarKernel and calling `load` once per scenario set.
 */
export function dgvTailRiskFast(
  agg: DgvAggregates,
  returns: Float64Array,
  nScen: number,
  confidence: number,
  esConfidence: number,
  volChanges?: Float64Array,
): { var: number; es: number } {
  const nU = agg.tickers.length;
  if (!shared || shared.nUnderlyings !== nU || shared.nScenarios !== nScen) {
    const shape = `${nU}:${nScen}`;
    shared = sharedFailed === shape ? undefined : createDgvVarKernel(nU, nScen);
    if (!shared) {
      sharedFailed = shape;
      return dgvTailRisk(agg, returns, nScen, confidence, esConfidence, volChanges);
    }
  }
  shared.load(returns, volChanges);
  return shared.tailRisk(agg, confidence, esConfidence);
}
