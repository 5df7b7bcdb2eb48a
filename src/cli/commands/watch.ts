import { readFileSync } from 'node:fs';
import { ClientError, type RiskEngineClient } from '../../client/index.js';
import { connectNode } from '../../client/node.js';
import type { StreamedRisk } from '../../engine/actors/streamed-risk.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { configOrCliError } from './config-flags.js';
import { devToken } from './token.js';

const CONNECT_TIMEOUT_MS = 10_000;
const RENDER_INTERVAL_MS = 100;

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'live risk of one portfolio from a running engine, as a table',
  description: `Connects to a running engine over its websocket, subscribes to the live risk of one portfolio and
prints it as a table that refreshes in place: delta, gamma, vega, theta, rho per underlying and in
total, P&L, VaR, margin, leverage, limit breaches, the snapshot's seq and the age of the newest
tick it includes. Ctrl-C quits.`,
  flags: {
    portfolio: { type: 'string', value: 'ID', required: true, help: 'portfolio to watch' },
    url: {
      type: 'string', value: 'URL',
      help: 'engine websocket, default ws://<HOST>:<PORT>/ws from the configuration\n(ws://127.0.0.1:8080/ws; wss:// when TLS_CERT_FILE is set)',
    },
    ca: {
      type: 'string', value: 'FILE',
      help: "PEM certificate(s) to trust for a wss:// URL, instead of the system's\nauthorities (e.g. the engine's self-signed certificate); NODE_EXTRA_CA_CERTS\nadds to the system's authorities instead. Verification is never turned off.",
    },
    token: {
      type: 'string', value: 'JWT',
      help: "token to authenticate with; default: a 1-hour risk_manager token for this\nportfolio signed with the local configuration's key (as 'risk-engine token')",
    },
    once: { type: 'boolean', help: 'print the first update without clearing the screen and exit 0 (for scripts)' },
  },
  footer: 'Exit codes: 0 quit by Ctrl-C or after --once, 1 connection or authentication failure.',
  async run(f, io) {
    const portfolioId = f.portfolio;
    let url = f.url;
    let token = f.token;
    if (token === undefined && process.env.NODE_ENV === 'production') throw usageError('watch: --token is required when NODE_ENV=production (development tokens are refused there)');
    if (url === undefined || token === undefined) {
      const config = configOrCliError(process.env, {});
      url ??= `${config.tls ? 'wss' : 'ws'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}/ws`;
      token ??= await devToken(config, 'cli-watch', ['risk_manager'], [portfolioId], 3600);
    }
    if (!/^wss?:\/\//.test(url)) throw usageError(`watch: --url must start with ws:// or wss://, got "${url}"`);
    if (f.ca !== undefined && !url.startsWith('wss://')) throw usageError(`watch: --ca goes with a wss:// URL, got "${url}"`);
    return watch({ url, token, portfolioId, once: f.once, io, ...(f.ca !== undefined ? { ca: readCa(f.ca) } : {}) });
  },
});

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CliError(`${file}: cannot read the --ca file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Node's codes for a server certificate the client does not trust. */
const UNTRUSTED_CERT = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

/** What to do about a TLS failure, for the connection error message. */
function tlsHint(code: string | undefined, withCa: boolean): string {
  // The client's CONNECT_FAILED reason is the socket's error code when it has one.
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return " (the server's certificate does not name this host: connect by a name it lists)";
  if (code === 'CERT_HAS_EXPIRED') return " (the server's certificate has expired)";
  if (code !== undefined && UNTRUSTED_CERT.has(code)) return ` (the server's certificate is not trusted${withCa ? ' by the --ca file' : ': give its CA with --ca FILE'})`;
  return '';
}

interface WatchOptions {
  readonly url: string;
  readonly token: string;
  readonly portfolioId: string;
  readonly once: boolean;
  readonly io: CliIo;
  /** Trusted certificates for wss:// in place of the system's. */
  readonly ca?: Buffer;
}

async function watch({ url, token, portfolioId, once, io, ca }: WatchOptions): Promise<number> {
  let client: RiskEngineClient;
  try {
    client = await connectNode({
      url, credentials: { token }, connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: CONNECT_TIMEOUT_MS,
      // After the first connection, a drop (an engine restart) is retried; --once has nothing to wait for.
      reconnect: once ? false : { maxDelayMs: 5000 },
      ...(ca !== undefined ? { ca } : {}),
    });
  } catch (e) {
    if (e instanceof ClientError && e.code === 'CONNECT_FAILED') throw new CliError(`${e.message}${tlsHint(e.reason, ca !== undefined)}`);
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let latest: StreamedRisk | undefined;
    let renderTimer: NodeJS.Timeout | undefined;
    const finish = (code: number, err?: CliError): void => {
      if (settled) return;
      settled = true;
      if (renderTimer) clearInterval(renderTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void client.close();
      if (err) reject(err);
      else resolve(code);
    };
    const onSignal = (): void => {
      if (!once) io.stdout.write('\n');
      finish(ExitCode.Ok);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    client.on('closed', ({ error }) => error && finish(ExitCode.DataError, new CliError(`connection to ${url} lost: ${error.message}`)));
    client.on('disconnected', ({ code, retryInMs }) => {
      if (retryInMs !== undefined) io.stderr.write(`watch: connection to ${url} lost (${code}); reconnecting in ${Math.round(retryInMs)} ms\n`);
    });
    // Errors that answer no request of ours (an expired token's notice, for one).
    client.on('error', (m) => m.id === undefined && io.stderr.write(`watch: server error ${m.code}: ${m.message}\n`));
    client.on('risk', (r) => {
      if (r.portfolioId !== portfolioId) return;
      if (once) {
        io.stdout.write(renderRisk(r, Date.now()));
        return finish(ExitCode.Ok);
      }
      latest = r;
    });
    client.subscribe('risk', { portfolioId }).then(
      () => {
        if (once || settled) return;
        io.stdout.write(`\x1b[H\x1b[2Jwatching ${portfolioId} on ${url}: waiting for the first risk update…\n`);
        renderTimer = setInterval(() => latest && io.stdout.write('\x1b[H\x1b[2J' + renderRisk(latest, Date.now())), RENDER_INTERVAL_MS);
      },
      (e: unknown) => finish(ExitCode.DataError, new CliError(e instanceof ClientError && e.serverCode !== undefined ? `${e.serverCode}: ${e.message}` : String(e))),
    );
  });
}

const num = (x: number | undefined, digits = 2): string =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The risk table as text (pure, so it is easy to check). */
export function renderRisk(r: StreamedRisk, nowMs: number): string {
  const cols = ['underlying', 'spot', 'delta', 'gamma', 'vega', 'theta/yr', 'rho'];
  const rows: string[][] = [];
  for (const [sym, u] of Object.entries(r.byUnderlying ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    rows.push([sym, num(u.spot), num(u.delta), num(u.gamma, 4), num(u.vega), num(u.theta), num(u.rho)]);
  }
  const g = r.greeks;
  rows.push(['TOTAL', '', num(g?.delta), num(g?.gamma, 4), num(g?.vega), num(g?.theta), num(g?.rho)]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const age = r.tickTs > 0 ? `${num(nowMs - r.tickTs, 0)} ms` : 'no tick yet';
  const breaches = r.breaches?.length ? r.breaches.map((b) => `${b.code} (${b.detail})`).join('; ') : 'none';
  return [
    `portfolio ${r.portfolioId}   seq ${r.seq}   tick age ${age}`,
    '',
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(rows[rows.length - 1] ?? []),
    '',
    `P&L        ${num(r.pnl?.total)}  (realised ${num(r.pnl?.realised)}, unrealised ${num(r.pnl?.unrealised)})`,
    `VaR 1d     ${num(r.var?.value)}  at ${num((r.var?.confidence ?? NaN) * 100, 1)}%  (ES ${num(r.var?.es)} at ${num((r.var?.esConfidence ?? NaN) * 100, 1)}%)`,
    `margin     ${num(r.margin?.requirement)}`,
    `leverage   ${num(r.leverage)}`,
    `breaches   ${breaches}`,
    '',
  ].join('\n');
}
