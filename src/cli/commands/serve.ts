import { startApp, type DemoOptions } from '../../main.js';
import { DatabaseError } from '../../persistence/database.js';
import { ListenError } from '../../gateway/server.js';
import { numberFlag, parseFlags } from '../args.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { configOrCliError } from './config-flags.js';

export const serveHelp = `Usage: risk-engine serve [--port N] [--host H] [--demo [--portfolios N] [--underlyings N] [--tick-rate N]]

Runs the engine: websocket gateway (binary MessagePack, docs/PROTOCOL.md) and REST on one port.
Configuration comes from the environment (PORT, HOST, DATA_DIR, RISK_ENGINE_JWT_SECRET, ...; see
src/config.ts); flags override it. With TLS_CERT_FILE and TLS_KEY_FILE it serves HTTPS and wss://
on the port; NODE_ENV=production refuses plaintext unless TLS_TERMINATED_BY_PROXY=true. Prints one
line with the URL once listening. SIGINT or SIGTERM
closes it gracefully (exit 0). It stops by itself, with exit 1, if another engine takes its
database schema while it is disconnected from the server.

Options:
  --port N           TCP port, 0 = any free port (default: PORT or 8080)
  --host H           interface (default: HOST or 127.0.0.1; 0.0.0.0 exposes the engine)
  --demo             seed sample portfolios and feed a simulated market in-process, so risk
                     streams at once (watch it with 'risk-engine watch --portfolio demo-0000')
  --portfolios N     demo portfolios, default 20 (20 options and one stock each)
  --underlyings N    demo underlyings, default 10
  --tick-rate N      demo ticks per second over all underlyings, default 50
  --seed N           demo seed, default 1
`;

export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('serve', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    demo: { type: 'boolean' },
    portfolios: { type: 'string' },
    underlyings: { type: 'string' },
    'tick-rate': { type: 'string' },
    seed: { type: 'string' },
  });
  if (f.help) {
    io.stdout.write(serveHelp);
    return ExitCode.Ok;
  }
  const port = numberFlag('serve', 'port', f.port, NaN, { integer: true, min: 0, max: 65535 });
  const demo: DemoOptions | undefined = f.demo
    ? {
        portfolios: numberFlag('serve', 'portfolios', f.portfolios, 20, { integer: true, min: 1, max: 100_000 }),
        underlyings: numberFlag('serve', 'underlyings', f.underlyings, 10, { integer: true, min: 1, max: 9999 }),
        tickRate: numberFlag('serve', 'tick-rate', f['tick-rate'], 50, { min: 0, exclusiveMin: true, max: 1_000_000 }),
        seed: numberFlag('serve', 'seed', f.seed, 1, { integer: true, min: 0, max: 2 ** 32 - 1 }),
      }
    : undefined;
  if (!f.demo && (f.portfolios ?? f.underlyings ?? f['tick-rate'] ?? f.seed) !== undefined) {
    throw usageError('serve: --portfolios, --underlyings, --tick-rate and --seed go with --demo');
  }
  const config = configOrCliError(process.env, {
    ...(Number.isNaN(port) ? {} : { PORT: String(port) }),
    ...(f.host !== undefined ? { HOST: f.host } : {}),
  });

  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, demo ? { demo } : {});
  } catch (e) {
    // The database refused or is unreachable, or the port is taken: the operator's problem to fix, not a crash report.
    if (e instanceof DatabaseError || e instanceof ListenError) throw new CliError(`${e.code}: ${e.message}`);
    throw e;
  }
  // Handlers first, then the line that says we are up: a supervisor (or a test) that signals as soon
  // as it reads the line must find them installed, or the default action kills the process.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const [http, ws] = config.tls ? ['https', 'wss'] : ['http', 'ws'];
  io.stdout.write(
    `risk-engine listening on ${http}://${host}:${app.port} (websocket ${ws}://${host}:${app.port}/ws, uWS ${app.uws})` +
      (demo ? `, demo: ${demo.portfolios} portfolios over ${demo.underlyings} underlyings at ${demo.tickRate} ticks/s` : '') +
      '\n',
  );
  const fatal = await Promise.race([stopped.then(() => undefined), app.fatal]);
  await app.close();
  // Close is graceful; if a library still holds a handle, do not hang the shutdown on it.
  const code = fatal ? ExitCode.DataError : ExitCode.Ok;
  if (fatal) io.stderr.write(`risk-engine stopped: ${fatal.message}\n`);
  else io.stdout.write('risk-engine stopped\n');
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
