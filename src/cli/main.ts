import { ExitCode, CliError } from './errors.js';
import { type CliIo, processIo } from './io.js';
import { runPrice } from './commands/price.js';
import { runVar } from './commands/var.js';
import { runBacktest } from './commands/backtest.js';
import { runMargin } from './commands/margin.js';
import { runToken } from './commands/token.js';
import { runWatch } from './commands/watch.js';

// Loaded on use: the database commands pull in pg (and PGlite for the embedded database).
const dbCommand = (name: 'runMigrate' | 'runReconcile' | 'runAudit'): Command => async (argv, io) => (await import('./commands/database-commands.js'))[name](argv, io);

type Command = (argv: string[], io: CliIo) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  price: { run: runPrice, summary: 'price options or find implied vols, JSON Lines on stdin → stdout' },
  var: { run: runVar, summary: 'Value at Risk and Expected Shortfall of a portfolio file' },
  backtest: { run: runBacktest, summary: 'backtest 1-day historical VaR: exceptions, Kupiec test, Basel zone' },
  margin: { run: runMargin, summary: 'strategy-based (Reg T / FINRA 4210) and SPAN-like scenario margin' },
  // Loaded on use: serve pulls in the whole engine, uWS and the worker pool, which the file commands never need.
  serve: { run: async (argv, io) => (await import('./commands/serve.js')).runServe(argv, io), summary: 'run the engine (websocket + REST); --demo streams a simulated market' },
  token: { run: runToken, summary: 'print a signed JWT for the websocket or REST' },
  watch: { run: runWatch, summary: 'live risk of one portfolio from a running engine, as a table' },
  migrate: { run: dbCommand('runMigrate'), summary: 'apply the database schema migrations (serve does too, at start)' },
  reconcile: { run: dbCommand('runReconcile'), summary: 're-derive positions and cash from fills and report differences (exit 1)' },
  audit: { run: dbCommand('runAudit'), summary: "'audit verify': check the audit trail's hash chain, name the first broken record" },
};

export const mainHelp = `Usage: risk-engine <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'risk-engine <command> --help' for a command's options and formats.
Conventions: t in years (Actual/365), continuous rates, vega per 1.00 vol, theta per year, rho per 1.00 rate.
`;

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp);
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`risk-engine: unknown command "${name}"\n\n${mainHelp}`);
    return ExitCode.Usage;
  }
  try {
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
