import type { DemoOptions } from '../../main.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { configOrCliError } from './config-flags.js';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'run the engine (websocket + REST); --demo streams a simulated market',
  description: `Runs the engine: websocket gateway (binary MessagePack, docs/PROTOCOL.md) and REST on one port.
Configuration comes from the environment (PORT, HOST, DATA_DIR, SIGNING_KEYS_DIR, ...; see
src/config.ts); flags override it. With TLS_CERT_FILE and TLS_KEY_FILE it serves HTTPS and wss://
on the port; NODE_ENV=production refuses plaintext unless TLS_TERMINATED_BY_PROXY=true. Prints one
line with the URL once listening. SIGINT or SIGTERM
closes it gracefully (exit 0). It stops by itself, with exit 1, if another engine takes its
database schema while it is disconnected from the server.`,
  flags: {
    port: { type: 'number', value: 'N', integer: true, min: 0, max: 65535, help: 'TCP port, 0 = any free port (default: PORT or 8080)' },
    host: { type: 'string', value: 'H', help: 'interface (default: HOST or 127.0.0.1; 0.0.0.0 exposes the engine)' },
    demo: {
      type: 'boolean',
      help: "seed sample portfolios and feed a simulated market in-process, so risk\nstreams at once (watch it with 'risk-engine watch --portfolio demo-0000')",
    },
    portfolios: { type: 'number', value: 'N', default: 20, integer: true, min: 1, max: 100_000, onlyWith: 'demo', help: 'demo portfolios (20 options and one stock each)' },
    underlyings: { type: 'number', value: 'N', default: 10, integer: true, min: 1, max: 9999, onlyWith: 'demo', help: 'demo underlyings' },
    'tick-rate': { type: 'number', value: 'N', default: 50, min: 0, exclusiveMin: true, max: 1_000_000, onlyWith: 'demo', help: 'demo ticks per second over all underlyings' },
    seed: { type: 'number', value: 'N', default: 1, integer: true, min: 0, max: 2 ** 32 - 1, onlyWith: 'demo', help: 'demo seed' },
  },
  async run(f, io) {
    const demo: DemoOptions | undefined = f.demo ? { portfolios: f.portfolios, underlyings: f.underlyings, tickRate: f['tick-rate'], seed: f.seed } : undefined;
    const config = configOrCliError(process.env, {
      ...(f.port === undefined ? {} : { PORT: String(f.port) }),
      ...(f.host !== undefined ? { HOST: f.host } : {}),
    });
    // Loaded on use: serve pulls in the whole engine, uWS and the worker pool, which the other commands never need.
    const [{ startApp }, { DatabaseError }, { ListenError }, { SanctionsListError }] = await Promise.all([
      import('../../main.js'), import('../../persistence/database.js'), import('../../gateway/server.js'), import('../../persistence/sanctions-list.js'),
    ]);

    let app: Awaited<ReturnType<typeof startApp>>;
    try {
      app = await startApp(config, demo ? { demo } : {});
    } catch (e) {
      // The database refused or is unreachable, the port is taken, the sanctions list cannot be read:
      // the operator's problem to fix, not a crash report.
      if (e instanceof DatabaseError || e instanceof ListenError || e instanceof SanctionsListError) throw new CliError(`${e.code}: ${e.message}`);
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
  },
});
