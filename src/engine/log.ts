/**
 * The one logging signature of the product. It lives in the engine because the engine logs but
 * may not import the logger (pino writes to a stream); src/logger.ts implements it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;
