/**
 * Canonical JSON (the rules of RFC 8785, JCS): object keys sorted by UTF-16 code units, no
 * whitespace, numbers as JavaScript prints them, so the same document always gives the same bytes
 * whatever order its builder set the keys in. A non-finite number has no JSON form: it is a bug in
 * the builder, not data, so it throws (naming the path).
 */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json | undefined };

export function canonicalJson(value: Json, path = '$'): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${path} is ${value}, which JSON cannot hold`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly Json[]).map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
  const obj = value as { readonly [k: string]: Json | undefined };
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k] as Json, `${path}.${k}`)}`).join(',')}}`;
}
