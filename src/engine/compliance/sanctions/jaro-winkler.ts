/**
 * Jaro–Winkler similarity (Winkler 1990): Jaro's matching characters within half the longer length
 * and their transpositions, then a bonus of 0.1 per common leading character (at most 4) when the
 * Jaro similarity is above 0.7. 1 for equal strings, 0 when one is empty and the other not.
 */

/** Winkler's prefix scale and the longest prefix it rewards. */
export const PREFIX_SCALE = 0.1;
export const MAX_PREFIX = 4;
/** Below this Jaro similarity, no prefix bonus (Winkler's boost threshold). */
export const BOOST_THRESHOLD = 0.7;

// Scratch flags reused across calls: the screening calls this hundreds of thousands of times per
// second and allocating two arrays per call would dominate. Single-threaded, so sharing is safe.
let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (flagsA.length < la) flagsA = new Uint8Array(la * 2);
  if (flagsB.length < lb) flagsB = new Uint8Array(lb * 2);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let m = 0;
  for (let i = 0; i < la; i++) {
    const lo = i > window ? i - window : 0;
    const hi = Math.min(i + window + 1, lb);
    const c = a.charCodeAt(i);
    for (let j = lo; j < hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        m++;
        break;
      }
    }
  }
  if (m === 0) return 0;
  let t = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) t++;
    k++;
  }
  return (m / la + m / lb + (m - t / 2) / m) / 3;
}

export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const j = jaro(a, b);
  if (j <= BOOST_THRESHOLD) return j;
  const max = Math.min(MAX_PREFIX, a.length, b.length);
  let p = 0;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return j + p * PREFIX_SCALE * (1 - j);
}
