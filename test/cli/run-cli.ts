import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import path from 'node:path';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export { PRICES_DIR } from '../fixtures/prices.js';

/** Runs the CLI in-process with the given stdin text. */
export async function runCli(argv: string[], stdin = ''): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => errChunks.push(c));
  const code = await main(argv, { stdin: Readable.from([stdin]), stdout: out, stderr: err });
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') };
}

/** Runs the built `bin/risk-engine.js` as a separate process, as a user would through npx. */
export function runBin(argv: string[], stdin = ''): Promise<CliRun> {
  return runBinIn(repoRoot, process.env, argv, { stdin });
}

/** The built `bin/risk-engine.js` run in `cwd` with `env`, killed after `timeoutMs` (default 30 s). */
export function runBinIn(cwd: string, env: NodeJS.ProcessEnv, argv: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'risk-engine.js'), ...argv], { cwd, env });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export const jsonLines = (s: string): Record<string, unknown>[] =>
  s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
