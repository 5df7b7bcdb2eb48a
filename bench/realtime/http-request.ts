/**
 * The bench's REST calls: fetch for http://, node:https for https:// because fetch in Node 20
 * cannot be told to trust a CA (the engine's self-signed certificate under --tls).
 */
import { request } from 'node:https';

export interface BenchRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Certificates trusted for https://, in place of the system's. */
  readonly ca?: Buffer;
  readonly timeoutMs: number;
}

export async function httpRequest(url: string, r: BenchRequest): Promise<{ status: number; text: string }> {
  if (!url.startsWith('https://')) {
    const res = await fetch(url, { method: r.method ?? 'GET', headers: r.headers ?? {}, ...(r.body !== undefined ? { body: r.body } : {}), signal: AbortSignal.timeout(r.timeoutMs) });
    return { status: res.status, text: await res.text() };
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: r.method ?? 'GET', headers: r.headers ?? {}, timeout: r.timeoutMs, ...(r.ca !== undefined ? { ca: r.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${r.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}
