/**
 * The built `risk-engine serve --port 0` as a child process for the CLI tests, resolved with its
 * "listening on" line (http:// or https://); `stop` sends SIGTERM (SIGKILL after 10 s) and gives the exit code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './run-cli.js';

const bin = path.join(repoRoot, 'bin', 'risk-engine.js');

export interface Server { readonly port: number; readonly line: string; readonly proc: ChildProcess; stop(): Promise<number | null> }

/** `serve --port 0`, resolved with its "listening on" line (http:// or https://). */
export function serve(cwd: string, env: NodeJS.ProcessEnv, argv: string[] = []): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', ...argv], { cwd, env });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const stop = async (): Promise<number | null> => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    };
    proc.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /^risk-engine listening on https?:\/\/127\.0\.0\.1:(\d+).*$/m.exec(out);
      if (m) resolve({ port: Number(m[1]), line: m[0], proc, stop });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${String(code)} before listening:\n${out}\n${err}`)));
  });
}
