/**
 * A PostgreSQL server of the test's own (initdb in a temporary folder, its own port), so that a
 * test can crash and restart a real server without touching the one the other tests share.
 * PostgreSQL refuses to run as root, so as root the commands run as the `postgres` user.
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';


export class PrivatePostgres {
  private constructor(private readonly dir: string, readonly port: number, private readonly uid: number | undefined) {}

  /** initdb and start; `url` then reaches database `postgres` as user `postgres` (trust). */
  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'risk-engine-pg-'));
    const asRoot = process.getuid?.() === 0;
    const uid = asRoot ? Number((await run('id', ['-u', 'postgres'])).stdout.trim()) : undefined;
    if (uid !== undefined) chownSync(dir, uid, uid);
    const pg = new PrivatePostgres(dir, await freePort(), uid);
    await pg.cmd('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await pg.start();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts (after a crash: with crash recovery) and waits until it accepts connections. */
  async start(): Promise<void> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=on -c shared_buffers=16MB -c max_connections=40`;
    await this.cmd('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', opts, '-w', '-t', '30', 'start']);
  }

  /** `immediate`: the server crashes (no checkpoint, recovery from WAL at next start); `fast`: a clean shutdown. */
  async stop(mode: 'immediate' | 'fast'): Promise<void> {
    await this.cmd('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async cmd(name: string, args: string[]): Promise<void> {
    const file = join(BIN, name);
    try {
      if (this.uid === undefined) await run(file, args);
      else await run('runuser', ['-u', 'postgres', '--', file, ...args]);
    } catch (err) {
      const e = err as Error & { stderr?: string; stdout?: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
    }
  }
}
