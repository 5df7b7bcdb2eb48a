/**
 * Partition ownership through PostgreSQL advisory locks (src/persistence/cluster/ownership.ts), on
 * this machine's PostgreSQL, a schema per test: one engine takes every partition; a second one
 * joining gets half by clean handoffs and no partition is ever owned by both; closing one gives the
 * other everything; an engine killed with SIGKILL loses its partitions to the survivor within a
 * second; one frozen with SIGSTOP past its session timeout loses them too, and once resumed it
 * drops everything as 'session-lost', reconnects and rejoins with its share.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quoteSchema } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { openOwnership, type Ownership } from '../../src/persistence/cluster/ownership.js';
import type { DropReason, OwnerHooks, PartitionGrant } from '../../src/persistence/cluster/ownership-port.js';
import { SERVER_URL } from './pg-fixture.js';
import { randomName, waitFor } from './queue-harness.js';

const N = 256;
const fixture = path.join(import.meta.dirname, '..', 'fixtures', 'ownership-engine.ts');

let schema: string;
let pool: pg.Pool;
const opened: Ownership[] = [];
const children: ChildProcess[] = [];

const connection = (): pg.ClientConfig => ({ connectionString: SERVER_URL, options: `-c search_path=${quoteSchema(schema)}` });

beforeEach(async () => {
  schema = randomName('own');
  pool = new pg.Pool({ ...connection(), max: 2 });
  await pool.query(`CREATE SCHEMA ${quoteSchema(schema)}`);
  await migrate(pool);
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
  }
  for (const o of opened.splice(0)) await o.close();
  await pool.query(`DROP SCHEMA ${quoteSchema(schema)} CASCADE`);
  await pool.end();
});

/**
 * The hooks of every in-process engine write to one ledger: who owns each partition as the hooks
 * see it (from adopt resolved to drop), and every call. A partition adopted while another engine
 * still has it (by the ledger or by its owns()) is a violation.
 */
class Ledger {
  readonly holder = new Map<number, string>();
  readonly violations: string[] = [];
  readonly calls: { engine: string; hook: 'adopt' | 'drop' | 'quiesce'; partitions: number[]; why?: DropReason; epochs?: number[] }[] = [];
  readonly engines = new Map<string, Ownership>();

  hooks(engine: string): OwnerHooks {
    return {
      adopt: async (grants: readonly PartitionGrant[]) => {
        for (const g of grants) {
          const h = this.holder.get(g.partition);
          if (h !== undefined && h !== engine) this.violations.push(`${engine} adopted ${g.partition} held by ${h}`);
          for (const [id, o] of this.engines) if (id !== engine && o.owns(g.partition)) this.violations.push(`${engine} adopted ${g.partition} owned by ${id}`);
          this.holder.set(g.partition, engine);
        }
        this.calls.push({ engine, hook: 'adopt', partitions: grants.map((g) => g.partition), epochs: grants.map((g) => g.epoch) });
      },
      drop: (partitions, why) => {
        for (const p of partitions) if (this.holder.get(p) === engine) this.holder.delete(p);
        this.calls.push({ engine, hook: 'drop', partitions: [...partitions], why });
      },
      quiesce: async (partitions) => {
        this.calls.push({ engine, hook: 'quiesce', partitions: [...partitions] });
      },
    };
  }

  of(engine: string, hook: 'adopt' | 'drop' | 'quiesce', why?: DropReason): number[] {
    return this.calls.filter((c) => c.engine === engine && c.hook === hook && (why === undefined || c.why === why)).flatMap((c) => c.partitions).sort((a, b) => a - b);
  }
}

async function engine(ledger: Ledger, engineId: string, extra: { sessionTimeoutMs?: number; pollMs?: number } = {}): Promise<Ownership> {
  const o = await openOwnership({ connection: connection(), schema, engineId, endpoint: `in-process:${engineId}`, hooks: ledger.hooks(engineId), ...extra });
  opened.push(o);
  ledger.engines.set(engineId, o);
  return o;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function rows(): Promise<{ partition: number; epoch: number; owner: string | null }[]> {
  return (await pool.query<{ partition: number; epoch: string; owner: string | null }>('SELECT partition, epoch, owner FROM partitions ORDER BY partition')).rows.map((r) => ({ ...r, epoch: Number(r.epoch) }));
}

interface ChildLine { at: number; ev: string; owned?: number; why?: DropReason; partitions?: number[] }

/** An engine in a child process (test/fixtures/ownership-engine.ts); its lines as they come. */
function child(engineId: string, extra: { sessionTimeoutMs?: number; pollMs?: number } = {}): { proc: ChildProcess; lines: ChildLine[]; owned(): number; output(): string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify({ url: SERVER_URL, schema, engineId, ...extra })], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: ChildLine[] = [];
  let out = '';
  let buf = '';
  proc.stdout!.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      out += `${line}\n`;
      lines.push(JSON.parse(line) as ChildLine);
    }
  });
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const owned = (): number => [...lines].reverse().find((l) => l.owned !== undefined)?.owned ?? 0;
  return { proc, lines, owned, output: () => out };
}

/**
 * A TCP relay to the test server whose existing connections can be broken on one side: answers
 * silenced (what the client sends still reaches the server, the server's answers are swallowed),
 * or the client's side cut while the server's stays open. Either way the server is not told, so
 * its session lives on until its own timeout. New connections relay normally.
 */
async function oneWayRelay(): Promise<{ port: number; silenceAnswers(): void; cutClientSide(): void; close(): void }> {
  const target = new URL(SERVER_URL);
  const pairs: { client: Socket; upstream: Socket }[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const pair = { client, upstream };
    pairs.push(pair);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => { if (pairs.includes(pair)) upstream.destroy(); });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const silenced: Socket[] = [];
  return {
    port: (server.address() as { port: number }).port,
    silenceAnswers() {
      for (const { client, upstream } of pairs.splice(0)) {
        upstream.unpipe(client);
        upstream.removeAllListeners('close');
        upstream.on('data', () => {});
        client.removeAllListeners('close');
        silenced.push(upstream);
      }
    },
    cutClientSide() {
      for (const { client, upstream } of pairs.splice(0)) {
        upstream.unpipe(client);
        upstream.removeAllListeners('close');
        upstream.on('data', () => {});
        client.removeAllListeners('close');
        client.destroy();
        silenced.push(upstream);
      }
    },
    close() {
      for (const { client, upstream } of pairs.splice(0)) { client.destroy(); upstream.destroy(); }
      for (const s of silenced) s.destroy();
      server.close();
    },
  };
}

describe('partition ownership', () => {
  it('gives every partition to a lone engine, bumping each epoch as it takes it', async () => {
    const ledger = new Ledger();
    const a = await engine(ledger, 'a');
    // routeOf and table() are the map as last read, which follows the adoption by one read.
    await waitFor('a owns every partition, and has read the map since', () => a.stats().owned === N && a.routeOf(7)?.owner === 'a', 5000);
    expect(a.ready()).toBe(true);
    expect(ledger.of('a', 'adopt')).toEqual(range(0, N));
    expect(ledger.calls.filter((c) => c.hook === 'adopt').flatMap((c) => c.epochs)).toEqual(Array(N).fill(1));
    expect(await rows()).toEqual(range(0, N).map((partition) => ({ partition, epoch: 1, owner: 'a' })));
    expect(a.routeOf(7)).toEqual({ partition: 7, owner: 'a', endpoint: 'in-process:a', epoch: 1 });
    expect(a.engines()).toEqual([{ id: 'a', endpoint: 'in-process:a' }]);
    expect(a.table().every((r) => r.owner === 'a' && r.epoch === 1)).toBe(true);
    expect(a.stats()).toMatchObject({ takeovers: N, handoffs: 0, fenced: 0, sessionLosses: 0, owned: N });
    expect(a.stats().lastTakeoverMs).toBeGreaterThan(0);
  });

  it('refuses a second live engine with the same id, and an engine with another partition count', async () => {
    const ledger = new Ledger();
    await engine(ledger, 'a');
    await expect(openOwnership({ connection: connection(), schema, engineId: 'a', endpoint: 'x', hooks: new Ledger().hooks('a') })).rejects.toMatchObject({ code: 'ENGINE_ID_IN_USE' });
    await expect(openOwnership({ connection: connection(), schema, engineId: 'b', endpoint: 'x', partitions: 128, hooks: new Ledger().hooks('b') })).rejects.toMatchObject({
      code: 'PARTITIONS_MISMATCH',
      message: expect.stringContaining('256'),
    });
    // Neither refused engine left a row or a lock behind.
    expect((await pool.query('SELECT engine_id FROM cluster_engines ORDER BY 1')).rows).toEqual([{ engine_id: 'a' }]);
  });

  it('splits the partitions 128/128 by clean handoffs when a second engine joins, and gives all back when it closes', async () => {
    const ledger = new Ledger();
    const a = await engine(ledger, 'a');
    await waitFor('a owns every partition', () => a.stats().owned === N, 5000);
    const b = await engine(ledger, 'b');
    await waitFor('a and b own half each', () => a.stats().owned === N / 2 && b.stats().owned === N / 2, 5000);

    // a handed over its highest half: quiesced, then dropped as a handoff, then b adopted them with epoch 2.
    expect(ledger.of('a', 'quiesce')).toEqual(range(N / 2, N));
    expect(ledger.of('a', 'drop', 'handoff')).toEqual(range(N / 2, N));
    expect(ledger.of('b', 'adopt')).toEqual(range(N / 2, N));
    expect(ledger.calls.filter((c) => c.engine === 'b' && c.hook === 'adopt').flatMap((c) => c.epochs)).toEqual(Array(N / 2).fill(2));
    const order = ledger.calls.map((c) => `${c.engine}.${c.hook}`).filter((c) => c !== 'a.adopt');
    expect(order.indexOf('a.quiesce')).toBeLessThan(order.indexOf('a.drop'));
    expect(order.indexOf('a.drop')).toBeLessThan(order.indexOf('b.adopt'));
    expect(ledger.violations).toEqual([]);
    expect(a.stats().handoffs).toBe(N / 2);
    expect(b.stats().takeovers).toBe(N / 2);
    for (const p of range(0, N)) expect(a.owns(p) !== b.owns(p)).toBe(true);
    await waitFor('both see the same routes', () => a.table().every((r, p) => r.owner === (p < N / 2 ? 'a' : 'b')) && b.table().every((r, p) => r.owner === (p < N / 2 ? 'a' : 'b')), 2000);
    expect(a.routeOf(200)).toMatchObject({ owner: 'b', endpoint: 'in-process:b', epoch: 2 });
    expect(a.engines().map((e) => e.id)).toEqual(['a', 'b']);
    expect(a.ready() && b.ready()).toBe(true);

    const t0 = Date.now();
    await b.close();
    expect(b.ready()).toBe(true); // handed off cleanly
    await waitFor('a owns every partition again', () => a.stats().owned === N, 5000);
    const ms = Date.now() - t0;
    console.log(`clean close: the survivor owned all ${N} partitions ${ms} ms after close() began`);
    expect(ledger.of('b', 'drop', 'shutdown')).toEqual(range(N / 2, N));
    expect(ledger.violations).toEqual([]);
    expect((await rows()).every((r) => r.owner === 'a' && r.epoch === (r.partition < N / 2 ? 1 : 3))).toBe(true);
    expect((await pool.query('SELECT engine_id FROM cluster_engines ORDER BY 1')).rows).toEqual([{ engine_id: 'a' }]);
    await waitFor('a sees b gone', () => a.engines().length === 1, 2000);
  });

  it('drops and unlocks fenced partitions at once, then takes them again with a new epoch when they are free', async () => {
    const ledger = new Ledger();
    const a = await engine(ledger, 'a');
    await waitFor('a owns every partition', () => a.stats().owned === N, 5000);
    a.fenced([3, 4, 999]);
    expect(a.owns(3) || a.owns(4)).toBe(false);
    expect(ledger.of('a', 'drop', 'fenced')).toEqual([3, 4]);
    expect(a.stats().fenced).toBe(2);
    // Nobody else wants them: released, they are free, and a takes them back (epoch 2).
    await waitFor('a owns them again', () => a.owns(3) && a.owns(4), 3000);
    expect((await rows()).filter((r) => r.epoch === 2).map((r) => r.partition)).toEqual([3, 4]);
    expect(ledger.violations).toEqual([]);
  });

  it('gives back partitions whose adopt failed, and takes them again later', async () => {
    const ledger = new Ledger();
    const hooks = ledger.hooks('a');
    let failures = 0;
    const a = await openOwnership({
      connection: connection(), schema, engineId: 'a', endpoint: 'in-process:a', pollMs: 50,
      hooks: { ...hooks, adopt: async (g) => { if (failures++ === 0) throw new Error('cannot rebuild now'); await hooks.adopt(g); } },
    });
    opened.push(a);
    await waitFor('a owns every partition on its second try', () => a.stats().owned === N, 5000);
    expect(failures).toBe(2);
    // The failed try bumped epochs to 1 and gave the partitions back; the second bumped them to 2.
    expect((await rows()).every((r) => r.owner === 'a' && r.epoch === 2)).toBe(true);
    expect(a.stats().takeovers).toBe(N);
  });

  it('gives up a session whose answers stopped coming, and after a cut the server did not see ends its old session there instead of waiting', async () => {
    const relay = await oneWayRelay();
    try {
      const ledger = new Ledger();
      const logs: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
      const via = new URL(SERVER_URL);
      via.hostname = '127.0.0.1';
      via.port = String(relay.port);
      const a = await openOwnership({
        connection: { connectionString: via.toString(), options: `-c search_path=${quoteSchema(schema)}` },
        schema, engineId: 'a', endpoint: 'in-process:a', sessionTimeoutMs: 1000, hooks: ledger.hooks('a'),
        log: (_level, msg, fields) => logs.push({ msg, fields }),
      });
      opened.push(a);
      ledger.engines.set('a', a);
      await waitFor('a owns every partition', () => a.stats().owned === N, 5000);

      // 1. No answers: the engine gives the session up after sessionTimeoutMs without one.
      relay.silenceAnswers();
      const t0 = performance.now();
      await waitFor('a drops everything as session-lost', () => ledger.of('a', 'drop', 'session-lost').length === N, 3000);
      const lostMs = performance.now() - t0;
      expect(a.owns(0) || a.ready()).toBe(false);
      expect(logs.find((l) => l.msg.startsWith('ownership session lost'))?.fields?.reason).toMatch(/no answer within 1000 ms/);
      expect(lostMs).toBeGreaterThan(800);
      await waitFor('a owns every partition again', () => a.stats().owned === N, 3000);
      console.log(`silent server: session given up ${lostMs.toFixed(0)} ms after the answers stopped (timeout 1000 ms)`);

      // 2. Its end of the connection is cut, the server's is not: the old session still holds the
      // member lock, and is ended at once rather than after its idle timeout.
      relay.cutClientSide();
      const t1 = performance.now();
      await waitFor('a drops everything again', () => ledger.of('a', 'drop', 'session-lost').length === 2 * N, 3000);
      await waitFor('a owns every partition again', () => a.stats().owned === N, 3000);
      const backMs = performance.now() - t1;
      console.log(`half-open cut: every partition owned again ${backMs.toFixed(0)} ms after the cut (timeout 1000 ms)`);
      expect(logs.map((l) => l.msg)).toContain('ending this engine\'s previous ownership session, still on the server');
      expect(backMs).toBeLessThan(750);
      expect(a.stats()).toMatchObject({ sessionLosses: 2, takeovers: 3 * N });
      expect((await rows()).every((r) => r.epoch === 3)).toBe(true);
      expect(ledger.violations).toEqual([]);
    } finally {
      relay.close();
    }
  });

  it('takes a killed engine\'s partitions in well under a second', async () => {
    const ledger = new Ledger();
    const a = await engine(ledger, 'a');
    await waitFor('a owns every partition', () => a.stats().owned === N, 5000);
    const c = child('c');
    await waitFor('the child owns half', () => c.owned() === N / 2 && a.stats().owned === N / 2, 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${c.output()}`);
    });
    const t0 = performance.now();
    c.proc.kill('SIGKILL');
    await waitFor('a owns every partition again', () => a.stats().owned === N, 3000);
    const ms = performance.now() - t0;
    console.log(`SIGKILL: the survivor owned the killed engine's ${N / 2} partitions ${ms.toFixed(0)} ms after the kill (takeover itself ${a.stats().lastTakeoverMs?.toFixed(0)} ms)`);
    expect(ms).toBeLessThan(1000);
    expect(ledger.violations).toEqual([]);
    expect((await rows()).filter((r) => r.partition >= N / 2).every((r) => r.owner === 'a' && r.epoch === 3)).toBe(true);
    expect(a.engines().map((e) => e.id)).toEqual(['a']);
  });

  it('loses a frozen engine\'s partitions after its session timeout; resumed, it drops them as session-lost and rejoins with its share', async () => {
    const ledger = new Ledger();
    const a = await engine(ledger, 'a', { sessionTimeoutMs: 1500 });
    await waitFor('a owns every partition', () => a.stats().owned === N, 5000);
    const c = child('c', { sessionTimeoutMs: 1500 });
    await waitFor('the child owns half', () => c.owned() === N / 2 && a.stats().owned === N / 2, 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${c.output()}`);
    });
    const t0 = performance.now();
    c.proc.kill('SIGSTOP');
    await waitFor('a owns every partition', () => a.stats().owned === N, 5000);
    const ms = performance.now() - t0;
    console.log(`SIGSTOP: the survivor owned the frozen engine's ${N / 2} partitions ${ms.toFixed(0)} ms after the freeze (session timeout 1500 ms)`);
    // Not before the server cut the frozen session (its last query came at most a poll before the freeze).
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(3000);

    const resumedAt = Date.now();
    c.proc.kill('SIGCONT');
    await waitFor('the child drops everything as session-lost', () => c.lines.some((l) => l.ev === 'drop' && l.why === 'session-lost' && l.at >= resumedAt), 3000).catch((err: Error) => {
      throw new Error(`${err.message}\n${c.output()}`);
    });
    const lost = c.lines.find((l) => l.ev === 'drop' && l.why === 'session-lost')!;
    expect(lost.partitions).toEqual(range(N / 2, N));
    await waitFor('the child rejoins with half', () => c.owned() === N / 2 && a.stats().owned === N / 2, 8000).catch((err: Error) => {
      throw new Error(`${err.message}\n${c.output()}`);
    });
    expect(ledger.violations).toEqual([]);
    expect(a.stats().handoffs).toBe(N); // half when c joined, half again when it rejoined
    expect(a.engines().map((e) => e.id)).toEqual(['a', 'c']);
  });
});
