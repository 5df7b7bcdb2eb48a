/**
 * Structured JSON logs (pino) with one shape for the whole process: `log(level, msg, fields)`.
 * The engine and gateway take this function, not pino itself, so they stay free of the library.
 */
import { destination, pino, type Logger } from 'pino';
import type { LogFn, LogLevel } from './engine/log.js';

export type { LogFn, LogLevel };

export function createLogger(level: LogLevel | 'silent', out?: NodeJS.WritableStream): { log: LogFn; logger: Logger } {
  // Never log secrets: tokens and keys are redacted wherever they appear in fields.
  const logger = pino(
    { level, redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret'], censor: '[redacted]' } },
    out ?? destination({ fd: 2, sync: false }),
  );
  return { logger, log: (l, msg, fields) => logger[l](fields ?? {}, msg) };
}
