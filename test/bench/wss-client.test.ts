/**
 * The bench's clients over TLS (realtime.bench.ts --tls): the websocket client and the REST helper
 * reach a uWS TLS server when they trust its certificate, and are refused when they do not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';
import { httpRequest } from '../../bench/realtime/http-request.js';
import { BenchClient } from '../../bench/realtime/ws-client.js';
import { repoRoot } from '../cli/run-cli.js';
import { makeTestCert, type TestCert } from '../tls-fixture.js';

let cert: TestCert;
let echo: ChildProcess;
let echoPort: number;
beforeAll(async () => {
  cert = makeTestCert();
  // The built echo server (npm run build), as the bench runs it.
  echo = spawn(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'realtime', 'echo-server.js'), '--cert', cert.certFile, '--key', cert.keyFile]);
  echoPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    echo.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /echo listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    echo.once('exit', (code) => reject(new Error(`echo server exited with ${String(code)}: ${out}`)));
  });
});
afterAll(() => {
  echo?.kill('SIGTERM');
  cert?.cleanup();
});

describe('bench clients over TLS', () => {
  it('echoes a frame over wss:// to a client that trusts the certificate', async () => {
    const client = await BenchClient.connect(`wss://127.0.0.1:${echoPort}/ws`, () => 0, { raw: true, ca: cert.ca });
    try {
      const echoed = new Promise<Buffer>((resolve) => client.ws.once('message', (d: Buffer) => resolve(d)));
      client.sendRaw(Buffer.from('ping over tls'));
      expect((await echoed).toString()).toBe('ping over tls');
    } finally {
      await client.close();
    }
  });

  it('refuses the connection when the certificate is not trusted', async () => {
    await expect(BenchClient.connect(`wss://127.0.0.1:${echoPort}/ws`, () => 0, { raw: true })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('makes REST calls over https:// trusting the given CA only', async () => {
    // A one-route TLS app in this process stands in for the engine's /health.
    const app = uWS.SSLApp({ cert_file_name: cert.certFile, key_file_name: cert.keyFile });
    app.get('/health', (res) => void res.writeHeader('content-type', 'application/json').end('{"status":"ok"}'));
    const ls = await new Promise<uWS.us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen')))));
    try {
      const url = `https://127.0.0.1:${uWS.us_socket_local_port(ls)}/health`;
      expect(await httpRequest(url, { ca: cert.ca, timeoutMs: 5000 })).toEqual({ status: 200, text: '{"status":"ok"}' });
      await expect(httpRequest(url, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    } finally {
      uWS.us_listen_socket_close(ls);
    }
  });
});
