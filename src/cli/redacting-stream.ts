/**
 * The CLI's stderr (its messages and error reports) with personal data masked, as in the logs:
 * an error's text can quote an input line or a database row. stdout is left alone: it carries
 * the results the caller asked for (a screened name, a priced book), not logs.
 */
import type { Writable } from 'node:stream';
import { redactText } from '../engine/compliance/pii-redaction.js';

export function redactingStream(out: Writable): Writable {
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? redactText(chunk) : chunk, ...rest);
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
