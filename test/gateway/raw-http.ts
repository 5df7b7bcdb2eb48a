/**
 * HTTP/1.1 over a raw TCP socket, for requests `fetch` would refuse or rewrite (malformed
 * escapes, odd methods, a body that never comes) and for reading an answer slowly.
 */
import net from 'node:net';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The server closed the connection (after the answer, or instead of one). */
  readonly closed: boolean;
}

/** Sends `head` (request line and headers, no blank line) and `body`; resolves with the first answer. */
export function rawRequest(port: number, head: string, body: Buffer | string = '', opts: { timeoutMs?: number; readDelayMs?: number; waitClose?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      const parsed = parse(Buffer.concat(chunks));
      if ((parsed === undefined || opts.waitClose) && !closed) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parsed === undefined ? { status: 0, headers: {}, body: '', closed: true } : { ...parsed, closed });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      sock.destroy();
      reject(new Error(`no complete answer within ${opts.timeoutMs ?? 5000} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, opts.timeoutMs ?? 5000);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (opts.readDelayMs) {
        sock.pause();
        setTimeout(() => sock.resume(), opts.readDelayMs);
      }
      finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
    sock.write(`${head}\r\n\r\n`);
    if (body.length > 0) sock.write(body);
  });
}

/** A complete answer (headers and a body of its content-length), or undefined while incomplete. */
function parse(buf: Buffer): Omit<RawAnswer, 'closed'> | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = buf.subarray(end + 4);
  if (body.length < length) return undefined;
  return { status, headers, body: body.subarray(0, length).toString('utf8') };
}
