/**
 * Two HTTP answers the fuzz (test/fuzz) found wrong after the edge work: a HEAD answer carried a
 * body (a keep-alive client reads it as the next answer's status line), and /ws, a known route,
 * answered other methods 404 without `Allow`.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse } from '../fuzz/http-driver.js';
import { type Stack, startStack } from './harness.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

/** Writes `bytes` and FIN, resolves with everything read until the server closes. */
function exchange(bytes: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(stack.gateway.port, '127.0.0.1');
    const t = setTimeout(() => reject(new Error(`no close within 5 s; got ${Buffer.concat(chunks).toString('latin1')}`)), 5000);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
    s.end(bytes);
  });
}

describe('HEAD and the /ws route', () => {
  it('answers HEAD with headers only, so the answer pipelined behind it is read intact', async () => {
    const data = await exchange('HEAD /livez HTTP/1.1\r\nHost: x\r\n\r\nHEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    const head1 = parseResponse(data, 0, true, true);
    expect(head1).toMatchObject({ kind: 'answer', answer: { status: 405, body: Buffer.alloc(0) } });
    if (head1.kind !== 'answer') return;
    expect(head1.answer.headers.get('allow')).toBe('GET, OPTIONS');
    const head2 = parseResponse(data, head1.end, true, true);
    expect(head2).toMatchObject({ kind: 'answer', answer: { status: 404 } });
    if (head2.kind !== 'answer') return;
    const get = parseResponse(data, head2.end, false, true);
    expect(get).toMatchObject({ kind: 'answer', answer: { status: 200 } });
    if (get.kind !== 'answer') return;
    expect(JSON.parse(get.answer.body.toString('utf8'))).toEqual({ status: 'live' });
    expect(get.end).toBe(data.length);
  });

  it('answers another method on /ws 405 with Allow, and a GET without the upgrade 426 with Upgrade: websocket', async () => {
    const data = await exchange('POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /ws HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS /ws HTTP/1.1\r\nHost: x\r\n\r\n');
    const post = parseResponse(data, 0, false, true);
    expect(post).toMatchObject({ kind: 'answer', answer: { status: 405 } });
    if (post.kind !== 'answer') return;
    expect(post.answer.headers.get('allow')).toBe('GET, OPTIONS');
    const get = parseResponse(data, post.end, false, true);
    expect(get).toMatchObject({ kind: 'answer', answer: { status: 426 } });
    if (get.kind !== 'answer') return;
    expect(get.answer.headers.get('upgrade')).toBe('websocket');
    expect(JSON.parse(get.answer.body.toString('utf8'))).toMatchObject({ code: 'UPGRADE_REQUIRED' });
    const options = parseResponse(data, get.end, false, true);
    expect(options).toMatchObject({ kind: 'answer', answer: { status: 204 } });
  });

  it('still opens a websocket on GET /ws with the upgrade headers', async () => {
    const data = await exchange('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  });
});
