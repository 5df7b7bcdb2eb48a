import type { Command } from './command.js';
import { auditCommand, migrateCommand, reconcileCommand } from './commands/database-commands.js';
import { backtestCommand } from './commands/backtest.js';
import { backupCommand, restoreCommand } from './commands/backup-commands.js';
import { keysCommand } from './commands/key-commands.js';
import { marginCommand } from './commands/margin.js';
import { priceCommand } from './commands/price.js';
import { screenCommand } from './commands/screen.js';
import { serveCommand } from './commands/serve.js';
import { signingKeysCommand } from './commands/signing-keys.js';
import { tokenCommand } from './commands/token.js';
import { varCommand } from './commands/var.js';
import { watchCommand } from './commands/watch.js';
import { ExitCode, CliError } from './errors.js';
import { type CliIo, processIo } from './io.js';
import { packageVersion } from './package-version.js';
import { redactingStream } from './redacting-stream.js';

/** Every command, in the order `risk-engine --help` lists them. */
export const commands: readonly Command[] = [
  priceCommand, varCommand, backtestCommand, marginCommand, serveCommand, tokenCommand, signingKeysCommand, watchCommand,
  migrateCommand, reconcileCommand, auditCommand, backupCommand, restoreCommand, keysCommand, screenCommand,
];

export const mainHelp = `Usage: risk-engine <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'risk-engine <command> --help' for a command's options and formats, 'risk-engine --version' for the version.
Conventions: t in years (Actual/365), continuous rates, vega per 1.00 vol, theta per year, rho per 1.00 rate.
`;

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function main(argv: string[], given: CliIo = processIo()): Promise<number> {
  // Messages and error reports go out masked like the logs (redacting-stream.ts).
  const io: CliIo = { ...given, stderr: redactingStream(given.stderr) };
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(mainHelp);
      return name === undefined ? ExitCode.Usage : ExitCode.Ok;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${packageVersion()}\n`);
      return ExitCode.Ok;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
      io.stderr.write(`risk-engine: unknown command "${name}"\n\n${mainHelp}`);
      return ExitCode.Usage;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`risk-engine ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    // A bug, not bad input: say so plainly and keep the stack for the report.
    io.stderr.write(`risk-engine ${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return ExitCode.DataError;
  }
}
