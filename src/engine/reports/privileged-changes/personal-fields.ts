/**
 * The personal data an audit record's before/after may hold and a privileged-change report does not
 * need: the caller's IP address (login and registration records carry it for security review).
 * Who made a change is its actor (a user id); where they connected from is not part of the change.
 */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

export const PERSONAL_KEYS: ReadonlySet<string> = new Set(['ip', 'email']);

/** `v` without any object key of PERSONAL_KEYS, at any depth; keys sorted (jsonb gives them back in its own order). */
export function withoutPersonalFields(v: Json): Json {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(withoutPersonalFields);
  const out: Record<string, Json> = {};
  const obj = v as { readonly [k: string]: Json };
  for (const k of Object.keys(obj).sort()) if (!PERSONAL_KEYS.has(k)) out[k] = withoutPersonalFields(obj[k] as Json);
  return out;
}
