/**
 * Structured JSON logs (pino) with one shape for the whole process: `log(level, msg, fields)`.
 * The engine and gateway take this function, not pino itself, so they stay free of the library.
 *
 * Every line is masked twice over before it is written:
 * - secrets by path (`redact`): tokens and keys, wherever they appear in fields;
 * - personal data by content (src/engine/compliance/pii-redaction.ts): the message, every string
 *   of the fields at any depth, a child logger's bindings, and the value of any personal field
 *   (legalName, email, …). It lives in pino's hooks, not in `log`, so the raw `logger`, its
 *   children and every thread's logger (all made here) get it too.
 * A logger made elsewhere with pino() directly would not: make loggers here.
 */
import { destination, pino, type Logger, type LoggerOptions } from 'pino';
import { redactText, redactValue } from './engine/compliance/pii-redaction.js';
import type { LogFn, LogLevel } from './engine/log.js';

export type { LogFn, LogLevel };

/** Message and format arguments: strings masked, objects (a %j, %o argument) masked whole. */
function redactArgs(args: unknown[], from: number): void {
  for (let i = from; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'string') args[i] = redactText(a);
    else if (a !== null && typeof a === 'object') args[i] = redactValue(a);
  }
}

/** The options that mask personal data in every line; exported so a test can prove each path. */
export const PII_REDACTION: Pick<LoggerOptions, 'hooks' | 'formatters'> = Object.freeze({
  hooks: {
    // The merge object (first argument, when an object) is masked by formatters.log, after
    // pino has mapped requests and errors; the rest (message and format arguments) here.
    logMethod(args: unknown[], method: (...a: unknown[]) => void) {
      // logger.error(err) alone: pino would take err.message as the message, unmasked.
      if (args.length === 1 && args[0] instanceof Error) args.push(args[0].message);
      redactArgs(args, args[0] !== null && typeof args[0] === 'object' ? 1 : 0);
      method.apply(this, args);
    },
  },
  formatters: {
    log: (obj: Record<string, unknown>) => redactValue(obj) as Record<string, unknown>,
    bindings: (b: Record<string, unknown>) => redactValue(b) as Record<string, unknown>,
  },
});

export function createLogger(level: LogLevel | 'silent', out?: NodeJS.WritableStream): { log: LogFn; logger: Logger } {
  // Never log secrets: tokens and keys are redacted wherever they appear in fields.
  const logger = pino(
    { level, redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret'], censor: '[redacted]' }, ...PII_REDACTION },
    out ?? destination({ fd: 2, sync: false }),
  );
  maskChildBindings(logger);
  return { logger, log: (l, msg, fields) => logger[l](fields ?? {}, msg) };
}

/**
 * pino applies formatters.bindings to the root's bindings only, not to a child's; children are
 * made with Object.create(parent), so replacing `child` on the root masks the bindings of every
 * child and grandchild.
 */
function maskChildBindings(root: Logger): void {
  const child = root.child;
  root.child = function maskedChild(this: Logger, bindings, options) {
    return child.call(this, redactValue(bindings) as typeof bindings, options);
  } as Logger['child'];
}
