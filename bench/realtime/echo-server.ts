/**
 * The floor of the websocket path: a raw uWebSockets.js app that echoes every binary frame and does
 * nothing else. Run as a child of the benchmark (its own process and event loop, like the engine);
 * prints `echo listening on <port>` and exits on SIGTERM or when stdin closes. `--cert FILE --key FILE`:
 * wss:// instead of ws://, so the floor pays for TLS as the engine does under the bench's --tls.
 */
import { parseArgs } from 'node:util';
import uWS from 'uWebSockets.js';

const { values: tls } = parseArgs({ options: { cert: { type: 'string' }, key: { type: 'string' } }, strict: true });
const native = /\[native code\]/.test(Function.prototype.toString.call(uWS.App));
const app = tls.cert !== undefined && tls.key !== undefined ? uWS.SSLApp({ cert_file_name: tls.cert, key_file_name: tls.key }) : uWS.App();
app.ws('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 0,
  message: (ws, ab, isBinary) => {
    ws.send(ab, isBinary); // send copies synchronously, so echoing the callback's buffer is safe
  },
});
app.listen('127.0.0.1', 0, (ls) => {
  if (!ls) {
    process.stderr.write('echo: listen failed\n');
    process.exit(1);
  }
  process.stdout.write(`echo listening on ${uWS.us_socket_local_port(ls)} (uWS ${native ? 'native' : 'fallback'})\n`);
  const stop = (): void => {
    uWS.us_listen_socket_close(ls);
    (app as unknown as { close?: () => void }).close?.();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop).resume();
});
