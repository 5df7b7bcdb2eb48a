import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: unknown flags and stray positionals are usage errors naming the command. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw usageError(`${command}: ${(e as Error).message}. See 'risk-engine ${command} --help'.`);
  }
}

/** A numeric flag, validated: finite and within [min, max]. */
export function numberFlag(
  command: string,
  name: string,
  raw: string | undefined,
  fallback: number,
  check: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean } = {},
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(v) ||
    (check.integer === true && !Number.isInteger(v)) ||
    (check.min !== undefined && (check.exclusiveMin ? v <= check.min : v < check.min)) ||
    (check.max !== undefined && (check.exclusiveMax ? v >= check.max : v > check.max));
  if (bad) {
    const range = [
      check.integer ? 'an integer' : 'a number',
      check.min !== undefined ? `${check.exclusiveMin ? '>' : '>='} ${check.min}` : '',
      check.max !== undefined ? `${check.exclusiveMax ? '<' : '<='} ${check.max}` : '',
    ].filter(Boolean).join(' ');
    throw usageError(`${command}: --${name} must be ${range}, got "${raw}"`);
  }
  return v;
}

export function requiredFlag(command: string, name: string, raw: string | undefined): string {
  if (raw === undefined || raw === '') throw usageError(`${command}: --${name} is required. See 'risk-engine ${command} --help'.`);
  return raw;
}
