/**
 * Finding pg_dump and pg_restore. Distributions install one set per PostgreSQL major beside each
 * other (Debian: /usr/lib/postgresql/<major>/bin, with /usr/bin holding a wrapper for one of
 * them), and pg_dump refuses a server newer than itself, so every copy found is asked its
 * version and the newest is taken; one older than the server is refused here with the fix in
 * the message, before it would fail half way with its own.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { BackupError } from './backup-error.js';

const run = promisify(execFile);

export type PgTool = 'pg_dump' | 'pg_restore';

export interface FoundTool {
  readonly path: string;
  readonly major: number;
  readonly version: string;
}

/** The folders searched after PATH: where Debian/Ubuntu, the PGDG RPMs and Homebrew put each major's binaries. */
function versionedDirs(): string[] {
  const dirs: string[] = [];
  for (const [root, pattern, sub] of [
    ['/usr/lib/postgresql', /^\d+$/, 'bin'],
    ['/usr', /^pgsql-\d+$/, 'bin'],
    ['/opt/homebrew/opt', /^postgresql@\d+$/, 'bin'],
    ['/usr/local/opt', /^postgresql@\d+$/, 'bin'],
  ] as const) {
    try {
      for (const name of readdirSync(root)) if (pattern.test(name)) dirs.push(join(root, name, sub));
    } catch {
      // the folder does not exist on this system
    }
  }
  return dirs;
}

function candidates(tool: PgTool, env: NodeJS.ProcessEnv): string[] {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...versionedDirs()];
  const found: string[] = [];
  for (const d of dirs) {
    const p = join(d, tool);
    try {
      accessSync(p, constants.X_OK);
      if (!found.includes(p)) found.push(p);
    } catch {
      // not here
    }
  }
  return found;
}

/** "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" → 15; "pg_dump (PostgreSQL) 9.6.24" → 9. */
export function parseToolVersion(out: string): { major: number; version: string } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(out);
  if (!m) return undefined;
  return { major: Number(m[1]), version: out.trim() };
}

/** The newest `tool` on this machine, refused when missing or older than the server's major. */
export async function findPgTool(tool: PgTool, serverMajor: number, env: NodeJS.ProcessEnv = process.env): Promise<FoundTool> {
  const found: FoundTool[] = [];
  for (const path of candidates(tool, env)) {
    try {
      const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
      const v = parseToolVersion(stdout);
      if (v) found.push({ path, ...v });
    } catch {
      // a broken wrapper (Debian's, with no cluster configured) or not the tool it claims to be
    }
  }
  if (found.length === 0) {
    throw new BackupError('BACKUP_TOOL_MISSING', `${tool} was not found in PATH nor in /usr/lib/postgresql/*/bin: install the PostgreSQL client tools of major ${serverMajor} or newer (Debian: apt-get install postgresql-client-${serverMajor})`);
  }
  const best = found.reduce((a, b) => (b.major > a.major ? b : a));
  if (best.major < serverMajor) {
    throw new BackupError('BACKUP_TOOL_TOO_OLD', `the newest ${tool} found (${best.path}, major ${best.major}) is older than the server (major ${serverMajor}), which it cannot read: install postgresql-client-${serverMajor} or newer`);
  }
  return best;
}

/** Connection settings for a tool: the URL without its password, which goes in PGPASSWORD (a command line is visible to every local user in ps). */
export function toolConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password !== '' ? { PGPASSWORD: password } : {}) } };
}

/**
 * Runs a tool to its end; its stderr becomes the error's message. `stdin`/`stdout` are wired when
 * given (pg_dump | pg_restore), otherwise ignored.
 */
export function runTool(
  tool: FoundTool, args: string[], env: NodeJS.ProcessEnv,
  io: { stdin?: NodeJS.ReadableStream; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, args, { env, stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      if (err.length < 8192) err += c.toString('utf8');
    });
    child.stdout!.resume();
    io.onSpawn?.(child);
    if (io.stdin) {
      io.stdin.pipe(child.stdin!);
      // pg_restore stops reading on its first error; the broken pipe is not the news, its stderr is
      child.stdin!.on('error', () => {});
    }
    child.on('error', (e) => reject(new BackupError('BACKUP_TOOL_FAILED', `cannot run ${tool.path}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new BackupError('BACKUP_TOOL_FAILED', `${tool.path} ${signal !== null ? `was killed by ${signal}` : `exited with ${code}`}: ${err.trim() || '(no message)'}`));
    });
  });
}
