/**
 * The few WebAssembly encodings the engine's hand-assembled SIMD kernels need
 * (realtime-dgv-wasm.ts, var-dgv-wasm.ts): LEB128 integers, sections, vectors, names, locals and
 * the SIMD prefix. Written by hand because the modules are a few hundred bytes built at start, and
 * a toolchain (or a .wasm file in the build) would be a larger thing to keep than these lines.
 */
export const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
/** local.get / local.set / local.tee. */
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
/** A SIMD instruction (0xfd prefix). */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
