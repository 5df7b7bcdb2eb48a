/**
 * A command's flags, declared once: the declaration types the parsed values, validates them and
 * writes the Options section of `--help`.
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

interface FlagBase {
  /** One line, or several joined by \n; the default and "(required)" are added to it. */
  readonly help: string;
  /** A boolean flag this one only makes sense with (`--seed` with `--demo`): giving it alone is a usage error. */
  readonly onlyWith?: string;
}
export interface StringFlag extends FlagBase {
  readonly type: 'string';
  /** The value's placeholder in the help: FILE, DIR, URL. */
  readonly value: string;
  readonly required?: boolean;
}
export interface NumberFlag extends FlagBase {
  readonly type: 'number';
  readonly value: string;
  readonly default?: number;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
}
export interface ChoiceFlag<C extends string = string> extends FlagBase {
  readonly type: 'choice';
  readonly value: string;
  readonly choices: readonly C[];
  readonly default: C;
}
export interface BooleanFlag extends FlagBase {
  readonly type: 'boolean';
}
export type Flag = StringFlag | NumberFlag | ChoiceFlag | BooleanFlag;
export type Flags = Readonly<Record<string, Flag>>;

type FlagValue<F extends Flag> = F extends BooleanFlag
  ? boolean
  : F extends ChoiceFlag<infer C>
    ? C
    : F extends NumberFlag
      ? F extends { default: number } ? number : number | undefined
      : F extends { required: true } ? string : string | undefined;

/** The parsed flags, typed by their declaration: a required string is a string, a number with a default a number. */
export type FlagValues<F extends Flags> = { readonly [K in keyof F]: FlagValue<F[K]> };

/**
 * Parses `argv` strictly (unknown flags and stray positionals are usage errors naming the command),
 * checks every value, then that every required flag is there. Returns undefined for --help.
 */
export function parseFlags<F extends Flags>(command: string, argv: string[], flags: F): FlagValues<F> | undefined {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, flag] of Object.entries(flags)) options[name] = { type: flag.type === 'boolean' ? 'boolean' : 'string' };
  let raw: Record<string, string | boolean | undefined>;
  try {
    raw = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw usageError(`${command}: ${(e as Error).message}. See 'risk-engine ${command} --help'.`);
  }
  if (raw.help === true) return undefined;
  for (const [owner, names] of dependents(flags)) {
    if (raw[owner] !== true && names.some((n) => raw[n] !== undefined)) {
      throw usageError(`${command}: ${listing(names.map((n) => `--${n}`))} ${names.length === 1 ? 'goes' : 'go'} with --${owner}`);
    }
  }
  const values: Record<string, unknown> = {};
  // Values first, then presence: a bad value is reported even when a required flag is missing too.
  for (const [name, flag] of Object.entries(flags)) values[name] = flagValue(command, name, flag, raw[name]);
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type === 'string' && flag.required === true && (values[name] === undefined || values[name] === '')) {
      throw usageError(`${command}: --${name} is required. See 'risk-engine ${command} --help'.`);
    }
  }
  return values as FlagValues<F>;
}

/** The flags that go with each boolean flag, by its name. */
function dependents(flags: Flags): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.onlyWith !== undefined) byOwner.set(flag.onlyWith, [...(byOwner.get(flag.onlyWith) ?? []), name]);
  }
  return byOwner;
}

/** "a", "a and b", "a, b and c". */
const listing = (items: readonly string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

function flagValue(command: string, name: string, flag: Flag, raw: string | boolean | undefined): unknown {
  switch (flag.type) {
    case 'boolean':
      return raw === true;
    case 'string':
      return raw;
    case 'choice':
      if (raw === undefined) return flag.default;
      if (!flag.choices.includes(raw as string)) throw usageError(`${command}: --${name} must be one of ${flag.choices.join(', ')}, got "${String(raw)}"`);
      return raw;
    case 'number':
      return raw === undefined ? flag.default : numberValue(command, name, flag, raw as string);
  }
}

/** A numeric flag, validated: finite and within [min, max]. */
function numberValue(command: string, name: string, check: NumberFlag, raw: string): number {
  const v = Number(raw);
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(v) ||
    (check.integer === true && !Number.isInteger(v)) ||
    (check.min !== undefined && (check.exclusiveMin === true ? v <= check.min : v < check.min)) ||
    (check.max !== undefined && (check.exclusiveMax === true ? v >= check.max : v > check.max));
  if (bad) {
    const range = [
      check.integer === true ? 'an integer' : 'a number',
      check.min !== undefined ? `${check.exclusiveMin === true ? '>' : '>='} ${check.min}` : '',
      check.max !== undefined ? `${check.exclusiveMax === true ? '<' : '<='} ${check.max}` : '',
    ].filter(Boolean).join(' ');
    throw usageError(`${command}: --${name} must be ${range}, got "${raw}"`);
  }
  return v;
}

/** The Options section of a help text: one entry per flag, in declaration order. */
export function flagsHelp(flags: Flags): string {
  const entries = Object.entries(flags).map(([name, flag]) => {
    const head = flag.type === 'boolean' ? `--${name}` : `--${name} ${flag.value}`;
    const extra =
      flag.type === 'string' && flag.required === true ? ' (required)'
      : (flag.type === 'number' || flag.type === 'choice') && flag.default !== undefined ? `, default ${String(flag.default)}`
      : '';
    return { head, lines: `${flag.help}${extra}`.split('\n') };
  });
  const width = Math.max(...entries.map((e) => e.head.length)) + 3;
  return entries
    .map(({ head, lines }) => lines.map((l, i) => `  ${(i === 0 ? head : '').padEnd(width)}${l}`.trimEnd()).join('\n'))
    .join('\n');
}

/**
 * The flags part of a usage line: required flags as they are, the others in brackets with their
 * default, and the flags that go with a boolean flag inside its brackets.
 */
export function flagsUsage(flags: Flags): string {
  const entries = Object.entries(flags);
  const isRequired = (f: Flag): boolean => f.type === 'string' && f.required === true;
  const required = entries.filter(([, f]) => isRequired(f)).map(([n, f]) => `--${n} ${(f as StringFlag).value}`);
  const optional = entries.filter(([, f]) => !isRequired(f) && f.onlyWith === undefined);
  const byOwner = dependents(flags);
  const shown = ([n, f]: [string, Flag]): string =>
    f.type === 'boolean' ? `--${n}` : `--${n} ${f.type !== 'string' && f.default !== undefined ? String(f.default) : f.value}`;
  // A long list of options reads better in the Options section than on the usage line.
  const rest = optional.length > 5 ? ['[options]'] : optional.map((e) => {
    const inner = (byOwner.get(e[0]) ?? []).map((n) => `[${shown([n, flags[n] as Flag])}]`);
    return `[${[shown(e), ...inner].join(' ')}]`;
  });
  return [...required, ...rest].join(' ');
}
