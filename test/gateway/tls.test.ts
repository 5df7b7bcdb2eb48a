/**
 * The gateway's own TLS: given certificate files it serves HTTPS with Strict-Transport-Security
 * by default (whoever starts it), and a certificate uWS cannot use stops the start with a message
 * naming the files rather than uWS's bare "App construction failed".
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/server.js';
import { startStack, type Stack } from './harness.js';
import { makeTestCert, type TestCert } from '../tls-fixture.js';

const HSTS = 'max-age=31536000; includeSubDomains';

function httpsGet(port: number, path: string, ca: Buffer): Promise<{ status: number; hsts: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

let cert: TestCert;
let other: TestCert;
beforeAll(() => {
  cert = makeTestCert();
  other = makeTestCert();
});
afterAll(() => {
  cert?.cleanup();
  other?.cleanup();
});

describe('gateway with tls', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('reports TLS and sends Strict-Transport-Security without being asked to', async () => {
    expect(stack.gateway.tls).toBe(true);
    expect(await httpsGet(stack.gateway.port, '/livez', cert.ca)).toEqual({ status: 200, hsts: HSTS });
    expect(await httpsGet(stack.gateway.port, '/nowhere', cert.ca)).toEqual({ status: 404, hsts: HSTS });
  });
});

describe('gateway TLS set-up errors', () => {
  it('refuses to start with a key that is not the certificate’s, naming both files', async () => {
    const stack = await startStack();
    try {
      const opts = { host: '127.0.0.1', port: 0, jwt: { keys: stack.keys, issuer: 'i', audience: 'a' } };
      await expect(startGateway(stack.engine, { ...opts, tls: { certFile: cert.certFile, keyFile: other.keyFile } }))
        .rejects.toThrow(`uWebSockets.js could not set up TLS with certificate ${cert.certFile} and key ${other.keyFile}`);
    } finally {
      await stack.close();
    }
  });

  it('sends no Strict-Transport-Security in plaintext unless told to', async () => {
    const plain = await startStack();
    const told = await startStack({ hsts: true });
    try {
      expect(plain.gateway.tls).toBe(false);
      expect((await fetch(`${plain.http}/livez`)).headers.get('strict-transport-security')).toBeNull();
      expect((await fetch(`${told.http}/livez`)).headers.get('strict-transport-security')).toBe(HSTS);
    } finally {
      await Promise.all([plain.close(), told.close()]);
    }
  });
});
