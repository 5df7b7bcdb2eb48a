/**
 * One CLI command, declared once: its name, flags and texts make its `--help`, its flags are parsed
 * and checked before `run` sees them, and a bad command line is a usage error (exit code 2).
 */
import { type Flags, type FlagValues, flagsHelp, flagsUsage, parseFlags } from './args.js';
import { ExitCode, usageError } from './errors.js';
import type { CliIo } from './io.js';

export interface CommandDefinition<F extends Flags> {
  readonly name: string;
  /** One line for the command list of `risk-engine --help`. */
  readonly summary: string;
  /** A word the command must be followed by, as in `audit verify`. */
  readonly subcommand?: string;
  /** What follows the command on the usage line, when the flags alone do not say it (stdin, nesting). */
  readonly usage?: string;
  /** The help's text above the options: what the command does, its input and output. */
  readonly description: string;
  readonly flags: F;
  /** The help's text below the options: exit codes, examples. */
  readonly footer?: string;
  /** Runs with the checked flags; resolves to the exit code. A CliError is printed by main. */
  run(flags: FlagValues<F>, io: CliIo): Promise<number>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly flags: Flags;
  /** The text `--help` prints. */
  readonly help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export function defineCommand<const F extends Flags>(def: CommandDefinition<F> & { readonly subcommand: string }): Command & { readonly subcommand: string };
export function defineCommand<const F extends Flags>(def: CommandDefinition<F>): Command;
export function defineCommand<const F extends Flags>(def: CommandDefinition<F>): Command {
  const label = def.subcommand === undefined ? def.name : `${def.name} ${def.subcommand}`;
  const usage = [`risk-engine ${label}`, def.usage ?? flagsUsage(def.flags)].filter((s) => s !== '').join(' ');
  const sections = [`Usage: ${usage}`, def.description.trimEnd()];
  if (Object.keys(def.flags).length > 0) sections.push(`Options:\n${flagsHelp(def.flags)}`);
  if (def.footer !== undefined) sections.push(def.footer.trimEnd());
  const help = `${sections.join('\n\n')}\n`;

  return {
    name: def.name,
    summary: def.summary,
    flags: def.flags,
    help,
    ...(def.subcommand !== undefined ? { subcommand: def.subcommand } : {}),
    async run(argv, io) {
      let args = argv;
      if (def.subcommand !== undefined) {
        const [sub, ...rest] = argv;
        if (sub !== def.subcommand && sub !== '--help' && sub !== '-h') {
          throw usageError(`${def.name}: expected the subcommand "${def.subcommand}"${sub === undefined ? '' : `, got "${sub}"`}\n\n${help}`);
        }
        args = sub === def.subcommand ? rest : argv;
      }
      const flags = parseFlags(label, args, def.flags);
      if (flags === undefined) {
        io.stdout.write(help);
        return ExitCode.Ok;
      }
      return def.run(flags, io);
    },
  };
}

export interface CommandGroupDefinition {
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  /** Commands defined with this group's name and a `subcommand` each, as `keys rotate`. */
  readonly commands: readonly (Command & { readonly subcommand: string })[];
}

/** A command of several subcommands (`keys rotate`, `keys status`): the first word picks one. */
export function defineCommandGroup(def: CommandGroupDefinition): Command {
  const words = def.commands.map((c) => c.subcommand);
  const width = Math.max(...words.map((w) => w.length));
  const help = `Usage: risk-engine ${def.name} <${words.join('|')}> [options]\n\n${def.description.trimEnd()}\n\nSubcommands:\n${
    def.commands.map((c) => `  ${c.subcommand.padEnd(width)}  ${c.summary}`).join('\n')}\n\nRun 'risk-engine ${def.name} <subcommand> --help' for its options.\n`;
  return {
    name: def.name,
    summary: def.summary,
    flags: {},
    help,
    async run(argv, io) {
      const [sub] = argv;
      if (sub === '--help' || sub === '-h') {
        io.stdout.write(help);
        return ExitCode.Ok;
      }
      const command = def.commands.find((c) => c.subcommand === sub);
      if (!command) throw usageError(`${def.name}: expected a subcommand (${words.join(', ')})${sub === undefined ? '' : `, got "${sub}"`}\n\n${help}`);
      return command.run(argv, io);
    },
  };
}
