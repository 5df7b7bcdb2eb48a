/**
 * Children of the benchmark (the engine, the echo server): spawned with node, ready when a line of
 * their stdout matches a pattern, stopped with SIGTERM (SIGKILL after a grace period), and measured
 * through /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The first stdout line that matched `ready`, split by the pattern's groups. */
  readonly match: RegExpMatchArray;
  /** The last lines of stdout and stderr, for error messages. */
  output(): string;
  stop(): Promise<number | null>;
}

export function startChild(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp; timeoutMs: number; name: string }): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (prefix: string) => (chunk: Buffer): void => {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(prefix + l);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  proc.stderr?.on('data', keep('stderr: '));
  // BENCH_CHILD_LOG_DIR=dir keeps each child's whole output (e.g. with --trace-gc in BENCH_ENGINE_NODE_ARGS).
  const logDir = process.env.BENCH_CHILD_LOG_DIR;
  if (logDir) {
    const file = createWriteStream(join(logDir, `${opts.name.replace(/\W+/g, '-')}.log`));
    proc.stdout?.pipe(file);
    proc.stderr?.pipe(file);
  }
  const output = (): string => lines.slice(-30).join('\n');
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => { exited = code; resolve(code); }));
  const stop = async (): Promise<number | null> => {
    if (exited !== undefined) return exited;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    const code = await exit;
    clearTimeout(t);
    return code;
  };
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${opts.name} did not start within ${opts.timeoutMs} ms:\n${output()}`));
    }, opts.timeoutMs);
    proc.stdout?.on('data', (chunk: Buffer) => {
      keep('stdout: ')(chunk);
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = opts.ready.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ proc, pid: proc.pid as number, match: m, output, stop });
        }
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited with ${String(code)} before it was ready:\n${output()}`));
    });
  });
}

/** Peak resident set (VmHWM) of a process, MB; NaN when /proc is not readable. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}
