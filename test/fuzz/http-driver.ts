/**
 * Sends hostile requests over raw TCP, pipelined: a batch per connection, written at once and
 * followed by the client's FIN (uWS waits, without answering, on a request it cannot parse; the FIN
 * ends that wait with a close). Answers are parsed in order. The first request a close leaves
 * unanswered is recorded as "closed" (uWS's documented answer to HTTP it cannot parse); the ones
 * behind it are sent again on a new connection, so every request gets its own outcome. uWS 20.57
 * writes a refusal of its own before that close (UWS_REFUSALS): it counts as the same close, never
 * as an answer, since it may stand for any request of the batch from the first unanswered one on.
 */
import net from 'node:net';
import type { HostileRequest } from './hostile-http.js';
import { ANSWER_HEADERS, HTTP_STATUSES, UWS_REFUSALS } from './outcomes.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export interface HttpFinding {
  /** The defect, the same for every request that shows it (findings are grouped by it). */
  readonly kind: string;
  readonly request: string;
  readonly problem: string;
}

export interface HttpTally {
  sent: number;
  /** Status → count; "closed" for a connection closed without an answer. */
  readonly outcomes: Map<string, number>;
  readonly findings: HttpFinding[];
  connections: number;
}

export interface HttpDriverOptions {
  readonly port: number;
  /** Connections in flight at once. */
  readonly concurrency: number;
  /** Requests pipelined on one connection. */
  readonly batch: number;
  /** A connection that neither answers nor closes within this is a finding (a hang). */
  readonly connectionTimeoutMs: number;
  /** Called with each answer, for checks the caller adds (e.g. the request-id header). */
  readonly onAnswer?: (req: HostileRequest, a: HttpAnswer) => string | null;
  /** True once the engine is gone: stop sending. */
  readonly stopped: () => boolean;
  /** Counts into this tally (read by the runner while the fuzz runs), else a new one. */
  readonly tally?: HttpTally;
}

type Parsed = { kind: 'answer'; answer: HttpAnswer; end: number } | { kind: 'incomplete' } | { kind: 'garbage'; why: string };

/** Parses one response at `from`; `head` = the request was HEAD (no body whatever the headers say). */
export function parseResponse(buf: Buffer, from: number, head: boolean, closed: boolean): Parsed {
  const headerEnd = buf.indexOf('\r\n\r\n', from, 'latin1');
  if (headerEnd < 0) {
    if (buf.length - from >= 12 && !buf.subarray(from, from + 9).toString('latin1').startsWith('HTTP/1.1 ')) return { kind: 'garbage', why: 'not a status line' };
    return { kind: 'incomplete' };
  }
  const lines = buf.subarray(from, headerEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) return { kind: 'garbage', why: `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 60))}` };
  const status = Number(m[1]);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) return { kind: 'garbage', why: `bad header line ${JSON.stringify(l.slice(0, 60))}` };
    const name = l.slice(0, i).trim().toLowerCase();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${l.slice(i + 1).trim()}` : l.slice(i + 1).trim());
  }
  const bodyStart = headerEnd + 4;
  if (head || status === 204 || status === 304 || status < 200) return { kind: 'answer', answer: { status, headers, body: Buffer.alloc(0) }, end: bodyStart };
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return { kind: 'garbage', why: `bad content-length ${cl}` };
    const end = bodyStart + Number(cl);
    if (end > buf.length) return closed ? { kind: 'garbage', why: 'body shorter than its content-length' } : { kind: 'incomplete' };
    return { kind: 'answer', answer: { status, headers, body: buf.subarray(bodyStart, end) }, end };
  }
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    const chunks: Buffer[] = [];
    let p = bodyStart;
    for (;;) {
      const eol = buf.indexOf('\r\n', p, 'latin1');
      if (eol < 0) return closed ? { kind: 'garbage', why: 'truncated chunk' } : { kind: 'incomplete' };
      const size = parseInt(buf.subarray(p, eol).toString('latin1'), 16);
      if (!Number.isFinite(size)) return { kind: 'garbage', why: 'bad chunk size' };
      if (eol + 2 + size + 2 > buf.length) return closed ? { kind: 'garbage', why: 'truncated chunk' } : { kind: 'incomplete' };
      chunks.push(buf.subarray(eol + 2, eol + 2 + size));
      p = eol + 2 + size + 2;
      if (size === 0) return { kind: 'answer', answer: { status, headers, body: Buffer.concat(chunks) }, end: p };
    }
  }
  // Neither: the body runs to the close.
  if (!closed) return { kind: 'incomplete' };
  return { kind: 'answer', answer: { status, headers, body: buf.subarray(bodyStart) }, end: buf.length };
}

/** One connection: writes the batch and FIN, resolves with everything read until the server closes. */
function exchange(port: number, bytes: Buffer, timeoutMs: number): Promise<{ data: Buffer; timedOut: boolean; reset: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data: Buffer.concat(chunks), timedOut: true, reset });
    }, timeoutMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    // A reset (the server closing with unread bytes) is a close like any other.
    s.on('error', () => {
      reset = true;
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), timedOut: false, reset });
    });
    s.end(bytes);
  });
}

/** The status of uWS's own refusal when the rest of the stream is exactly one (it closes after it). */
export function uwsRefusal(rest: Buffer): number | undefined {
  for (const [status, bytes] of UWS_REFUSALS) if (rest.length === bytes.length && rest.toString('latin1') === bytes) return status;
  return undefined;
}

function count(t: HttpTally, key: string): void {
  t.outcomes.set(key, (t.outcomes.get(key) ?? 0) + 1);
}

function checkAnswer(req: HostileRequest, a: HttpAnswer, opts: HttpDriverOptions, t: HttpTally): void {
  const body = a.body.toString('utf8').slice(0, 300);
  if (!HTTP_STATUSES.has(a.status)) {
    const code = /"code":"([A-Z_]+)"/.exec(body)?.[1] ?? '';
    t.findings.push({ kind: `status ${a.status} ${code}`, request: req.what, problem: `undocumented status ${a.status}: ${body}` });
  }
  if (a.status === 101 && !req.bytes.subarray(0, 200).toString('latin1').includes(' /ws')) t.findings.push({ kind: '101 outside /ws', request: req.what, problem: '101 outside /ws' });
  const missing = a.status === 101 ? [] : ANSWER_HEADERS.filter((h) => !a.headers.has(h));
  if (missing.length > 0) t.findings.push({ kind: `an answer without ${missing.join(', ')}`, request: req.what, problem: `status ${a.status} without ${missing.join(', ')}` });
  for (const c of [req.check?.(a.status, a.headers), opts.onAnswer?.(req, a)]) {
    // A check says "<what is expected>: <what happened>"; the part before the colon is its kind.
    if (c) t.findings.push({ kind: c.split(':', 1)[0] as string, request: req.what, problem: c });
  }
}

/** Sends `total` requests from `requests` and checks every answer. */
export async function driveHttp(requests: Iterator<HostileRequest>, total: number, opts: HttpDriverOptions): Promise<HttpTally> {
  const t: HttpTally = opts.tally ?? { sent: 0, outcomes: new Map(), findings: [], connections: 0 };
  /** Requests to send again; `solo` ones on a connection of their own, to learn whose fault a close was. */
  const retry: { req: HostileRequest; solo: boolean }[] = [];
  let drawn = 0;
  const take = (): { req: HostileRequest; solo: boolean } | undefined => {
    const r = retry.shift();
    if (r) return r;
    if (drawn >= total) return undefined;
    drawn++;
    const req = requests.next().value as HostileRequest;
    return { req, solo: req.alone };
  };
  /** Solo requests met while filling a batch wait here for a connection of their own. */
  const solos: HostileRequest[] = [];
  const nextBatch = (): HostileRequest[] => {
    const solo = solos.shift();
    if (solo) return [solo];
    const batch: HostileRequest[] = [];
    while (batch.length < opts.batch) {
      const r = take();
      if (!r) break;
      if (r.solo) {
        if (batch.length === 0) return [r.req];
        solos.push(r.req);
      } else {
        batch.push(r.req);
        // One that closes the connection ends the batch.
        if (r.req.endsConnection) break;
      }
    }
    return batch;
  };
  const worker = async (): Promise<void> => {
    while (!opts.stopped()) {
      const batch = nextBatch();
      if (batch.length === 0) {
        if (retry.length === 0 && solos.length === 0 && drawn >= total) return;
        await new Promise((r) => setImmediate(r));
        continue;
      }
      t.connections++;
      const { data, timedOut } = await exchange(opts.port, Buffer.concat(batch.map((r) => r.bytes)), opts.connectionTimeoutMs);
      let pos = 0;
      let i = 0;
      let closeAfter = false;
      /** uWS's own refusal ended the stream here: a close without an answer from request i on. */
      let refused: number | undefined;
      for (; i < batch.length; i++) {
        const req = batch[i] as HostileRequest;
        refused = timedOut ? undefined : uwsRefusal(data.subarray(pos));
        if (refused !== undefined) break;
        const p = parseResponse(data, pos, req.method === 'HEAD', true);
        if (p.kind === 'incomplete') break;
        if (p.kind === 'garbage') {
          t.findings.push({ kind: req.method === 'HEAD' ? 'a HEAD answer has no body' : 'unparseable answer', request: req.what, problem: `unparseable answer (${p.why}): ${JSON.stringify(data.subarray(pos, pos + 120).toString('latin1'))}` });
          i = batch.length; // the stream is lost; the rest cannot be attributed
          break;
        }
        t.sent++;
        count(t, String(p.answer.status));
        checkAnswer(req, p.answer, opts, t);
        pos = p.end;
        if (p.answer.status === 101) {
          i++;
          pos = data.length; // websocket bytes follow (a close frame)
          break;
        }
        if (/close/i.test(p.answer.headers.get('connection') ?? '')) {
          closeAfter = true;
          i++;
          break;
        }
      }
      if (i < batch.length) {
        if (timedOut) {
          t.sent++;
          count(t, 'timeout');
          t.findings.push({ kind: 'hang', request: (batch[i] as HostileRequest).what, problem: `no answer and no close within ${opts.connectionTimeoutMs} ms` });
          retry.push(...batch.slice(i + 1).map((req) => ({ req, solo: false })));
        } else if (closeAfter) {
          retry.push(...batch.slice(i).map((req) => ({ req, solo: false })));
        } else if (batch.length > 1) {
          // uWS closes at the first request it cannot parse, before answering the earlier ones that
          // wait on a promise: which one it was is learnt by sending it alone.
          retry.push({ req: batch[i] as HostileRequest, solo: true }, ...batch.slice(i + 1).map((req) => ({ req, solo: false })));
        } else {
          // Alone and closed without an answer (20.57: after its own refusal): uWS's documented answer
          // to a request it cannot parse.
          t.sent++;
          count(t, refused !== undefined ? `uWS ${refused}` : 'closed');
        }
      } else if (pos < data.length && uwsRefusal(data.subarray(pos)) === undefined) {
        // (uWS's refusal after the last answer is its close for bytes that were no request: the extra
        // body bytes of a request whose Content-Length is short.)
        const last = batch[batch.length - 1] as HostileRequest;
        t.findings.push({ kind: last.method === 'HEAD' ? 'a HEAD answer has no body' : 'bytes after the last answer', request: last.what, problem: `${data.length - pos} bytes after the last answer: ${JSON.stringify(data.subarray(pos, pos + 80).toString('latin1'))}` });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return t;
}
