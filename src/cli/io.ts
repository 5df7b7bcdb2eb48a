import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** The streams a command talks to, injected so that tests can run commands in-process. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export const processIo = (): CliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

/** Write and wait for the stream to accept more when it is full, so output never piles up in memory. */
export async function writeWithBackpressure(out: Writable, chunk: string): Promise<void> {
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => { out.off('error', onError); resolve(); };
    const onError = (e: Error): void => { out.off('drain', onDrain); reject(e); };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

/** One input line's answer: its JSON text, and whether it failed (the exit code says whether any did). */
export interface LineAnswer {
  readonly json: string;
  readonly failed: boolean;
}

const FLUSH_BYTES = 64 * 1024;

/**
 * The JSON Lines loop of `price` and `screen`: each line of stdin answered by one line of stdout,
 * in order. Output is batched (one write per line costs more than the answer), yet a batch never
 * waits for more input: it is flushed once the lines already read are done, so a program that
 * writes one request and waits for its answer gets it at once. Resolves with whether any line failed.
 */
export async function answerLines(io: CliIo, answer: (text: string, lineNo: number) => LineAnswer): Promise<boolean> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  let anyFailed = false;
  let pending = '';
  let flushScheduled = false;
  const flushSoon = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      if (pending) {
        io.stdout.write(pending);
        pending = '';
      }
    });
  };
  for await (const text of lines) {
    lineNo++;
    const r = answer(text, lineNo);
    anyFailed ||= r.failed;
    pending += r.json + '\n';
    if (pending.length >= FLUSH_BYTES || io.stdout.writableNeedDrain) {
      const chunk = pending;
      pending = '';
      await writeWithBackpressure(io.stdout, chunk);
    } else {
      flushSoon();
    }
  }
  const rest = pending;
  pending = ''; // a flush still scheduled must find nothing left to write
  if (rest) await writeWithBackpressure(io.stdout, rest);
  return anyFailed;
}
