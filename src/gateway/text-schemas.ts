/**
 * Strings from outside that end up in PostgreSQL, in JSON and in logs. PostgreSQL's text cannot
 * hold NUL, and its json→text conversion refuses the escape of a lone surrogate (`\ud800`), which
 * JSON.stringify writes for a JavaScript string that is not well-formed UTF-16. Such a string let
 * through the edge failed far from its sender: an order on an instrument with a lone surrogate was
 * journaled (the driver writes U+FFFD in its place) but dead-lettered every AML job that carried
 * it, since the job held the original string. So the edge refuses them, with the field named.
 */
import * as z from 'zod';

// C0 and C1 controls and DEL: no identifier, symbol or id needs one, and a log line or a CSV
// report must not be split by one.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

// Without the u flag the pattern sees UTF-16 units: a high surrogate not followed by a low one, or a
// low one not preceded by a high one (String.prototype.isWellFormed, which our TypeScript lib lacks).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isWellFormed = (s: string): boolean => !LONE_SURROGATE.test(s);

/** An identifier or symbol: well-formed, no control character, `min`..`max` UTF-16 units. */
export function identifier(max: number, min = 1): z.ZodString {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => isWellFormed(s) && !CONTROL.test(s), 'printable text only (no control characters, no unpaired surrogates)');
}

/** Free text (a name, a note, a reason): well-formed and no NUL; line breaks and tabs allowed. */
export function freeText(max: number, min = 1): z.ZodString {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => isWellFormed(s) && !s.includes('\u0000'), 'text without NUL characters or unpaired surrogates');
}
