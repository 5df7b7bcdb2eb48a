/**
 * The journal per partition on this machine's PostgreSQL (migration 0021), with two journals on
 * one schema as two engines have: a partition taken over (its epoch bumped, as a takeover does)
 * fences its old owner's next commit, which acknowledges nothing of that partition while its
 * other partitions in the same commit land; the new owner continues the partition's journal
 * sequence and audit chain; both append to the shared control chain at once and it stays one
 * valid chain. Also the partitions' rows at a start, and a rebuild of only some partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioState, handlePortfolioMessage } from '../../src/engine/actors/portfolio-actor.js';
import { instrumentOf } from '../../src/engine/actors/instrument-symbol.js';
import type { ActorContext, PortfolioState } from '../../src/engine/actors/types.js';
import { partitionOf } from '../../src/engine/cluster/partitions.js';
import type { JournalEntry } from '../../src/engine/runtime/journal-port.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { ensurePartitions, ownAll } from '../../src/persistence/cluster/single-owner-rows.js';
import type { PartitionGrant } from '../../src/persistence/cluster/ownership-port.js';
import { type Database, openDatabase } from '../../src/persistence/database.js';
import { journalAuditSink, PgJournal } from '../../src/persistence/journal.js';
import { migrate } from '../../src/persistence/migrate.js';
import { loadPortfolioStates, loadRecentHistory } from '../../src/persistence/recovery.js';
import { type DbTarget, newTarget } from './pg-fixture.js';

const N = 8;
const NOW_MS = Date.UTC(2026, 2, 10, 14);
const ctx: ActorContext = { nowMs: NOW_MS, market: { rate: 0.04, asOf: '2026-03-10', spot: (u) => (u === 'AAA' ? 100 : undefined) } };

/** The first id `prefix<i>` whose partition is `p`. */
function idIn(p: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionOf(`${prefix}${i}`, N) === p) return `${prefix}${i}`;
}

const created = (portfolioId: string, by: string): JournalEntry & { kind: 'created' } => ({
  kind: 'created', by,
  state: createPortfolioState({ portfolioId, cash: 100_000, holdings: [{ instrument: instrumentOf('AAA')!, qty: 10, multiplier: 1, dividendYield: 0, style: 'european', avgPrice: 95, realisedPnl: 0 }] }),
});

function halt(before: PortfolioState, by: string): JournalEntry & { kind: 'changed' } {
  const t = handlePortfolioMessage(before, { kind: 'SetTradingState', state: 'halted' }, ctx);
  return { kind: 'changed', events: t.events, before, after: t.state, by };
}

/** What a takeover does in PostgreSQL: bump the epoch (the fence), name the owner, then project. */
async function takeOver(pool: Database['pool'], partition: number, owner: string): Promise<PartitionGrant> {
  const r = (await pool.query<{ epoch: string; journal_seq: string }>(
    'UPDATE partitions SET epoch = epoch + 1, owner = $2, since = now() WHERE partition = $1 RETURNING epoch, journal_seq', [partition, owner])).rows[0]!;
  await pool.query('SELECT journal_apply()');
  return { partition, epoch: Number(r.epoch), journalSeq: Number(r.journal_seq) };
}

let target: DbTarget;
let dbA: Database;
let dbB: Database;

beforeAll(async () => {
  target = newTarget('external');
  dbA = await openDatabase({ url: target.url!, schema: target.schema, dataDir: target.dataDir, poolSize: 3 });
  await migrate(dbA.pool);
  dbB = await openDatabase({ url: target.url!, schema: target.schema, dataDir: target.dataDir, poolSize: 3 });
  await ensurePartitions(dbA.pool, N);
}, 60_000);

afterAll(async () => {
  await dbA?.close();
  await dbB?.close();
  await target?.cleanup();
});

describe('journal fenced per partition', () => {
  it('fences the old owner\'s commit of a partition taken over, lands its other partitions, and the new owner continues the sequence and the chain', { timeout: 30_000 }, async () => {
    const p = 3;
    const q = 5;
    const x = idIn(p, 'X');
    const [w, v, z] = [idIn(q, 'W'), idIn(q, 'V'), idIn(q, 'Z')];
    const fencedSeen: (readonly number[])[] = [];
    const a = await PgJournal.open(dbA.pool, { partitions: N, onFenced: (parts) => fencedSeen.push(parts) });
    await a.own(await ownAll(dbA.pool, 'engine-a', 'a:1', N));
    expect(a.ownedPartitions()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const cx = created(x, 'admin-a');
    await a.record(cx);
    await a.record(created(w, 'admin-a'));
    const seqBefore = Number((await dbA.pool.query('SELECT journal_seq FROM partitions WHERE partition = $1', [p])).rows[0].journal_seq);

    // B takes p: from now on A's commits of p are fenced in PostgreSQL.
    const grant = await takeOver(dbB.pool, p, 'engine-b');
    expect(grant.journalSeq).toBe(seqBefore);
    const b = await PgJournal.open(dbB.pool, { partitions: N });
    await b.own([grant]);

    // A does not know yet. While a commit of q is in flight, a change of p and a portfolio of q
    // gather into the next commit together: one statement, fenced for p.
    const first = a.record(created(v, 'admin-a'));
    const mixedP = a.record(halt(cx.state, 'mallory'));
    const mixedQ = a.record(created(z, 'admin-a'));
    const outcomes = await Promise.allSettled([first, mixedP, mixedQ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'PARTITION_MOVING', retryable: true, partition: p });
    expect(fencedSeen).toEqual([[p]]);
    expect(a.owns(p)).toBe(false);
    expect(a.owns(q)).toBe(true);
    expect(a.stats().fenced).toBe(1);
    // Refused at once from now on, without a commit.
    await expect(a.record(halt(cx.state, 'mallory-2'))).rejects.toMatchObject({ code: 'PARTITION_MOVING' });

    // Nothing of the fenced entries is stored; q's portfolio is.
    await a.project();
    const sql = dbA.pool;
    expect((await sql.query("SELECT count(*)::int AS n FROM audit_log WHERE actor LIKE 'mallory%'")).rows[0].n).toBe(0);
    expect((await sql.query('SELECT trading_state FROM portfolios WHERE portfolio_id = $1', [x])).rows).toEqual([{ trading_state: 'active' }]);
    expect((await sql.query('SELECT portfolio_id FROM portfolios WHERE portfolio_id = $1', [z])).rows).toHaveLength(1);
    expect(Number((await sql.query('SELECT journal_seq FROM partitions WHERE partition = $1', [p])).rows[0].journal_seq)).toBe(seqBefore);

    // B continues p: its journal sequence and its audit chain.
    await b.record(halt(cx.state, 'bob'));
    expect(Number((await sql.query('SELECT journal_seq FROM partitions WHERE partition = $1', [p])).rows[0].journal_seq)).toBe(seqBefore + 1);
    await b.project();
    const chainP = (await sql.query<{ seq: string; actor: string; action: string }>('SELECT seq, actor, action FROM audit_log WHERE chain = $1 ORDER BY seq', [p])).rows;
    expect(chainP.map((r) => [Number(r.seq), r.actor, r.action])).toEqual([[1, 'admin-a', 'portfolio.created'], [2, 'bob', 'trading_state.changed']]);
    expect((await sql.query('SELECT trading_state FROM portfolios WHERE portfolio_id = $1', [x])).rows).toEqual([{ trading_state: 'halted' }]);

    const check = await verifyAuditTrail(sql);
    expect(check.ok).toBe(true);
    expect(check.chains.find((c) => c.chain === p)).toEqual({ chain: p, ok: true, records: 2 });
    expect(check.chains.find((c) => c.chain === q)).toEqual({ chain: q, ok: true, records: 3 });
    a.stopProjection();
    b.stopProjection();
  });

  it('rejects what is pending for a partition it disowns, and refuses its new entries at once', { timeout: 30_000 }, async () => {
    const p = 6;
    const y = idIn(p, 'Y');
    const j = await PgJournal.open(dbA.pool, { partitions: N });
    await j.own([await takeOver(dbA.pool, p, 'engine-c')]);
    const cy = created(y, 'admin-c');
    const inFlight = j.record(cy); // commits at once
    const pending = j.record(halt(cy.state, 'carl')).then(() => 'acknowledged', (e: unknown) => e); // waits for the next commit
    j.disown([p]);
    await expect(inFlight).resolves.toBeUndefined(); // its commit was under a current epoch: durable
    expect(await pending).toMatchObject({ code: 'PARTITION_MOVING', partition: p });
    await expect(j.record(halt(cy.state, 'carl'))).rejects.toMatchObject({ code: 'PARTITION_MOVING' });
    await j.flush();
    await j.project();
    expect((await dbA.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE actor = 'carl'")).rows[0].n).toBe(0);
    expect((await dbA.pool.query('SELECT trading_state FROM portfolios WHERE portfolio_id = $1', [y])).rows).toEqual([{ trading_state: 'active' }]);
    j.stopProjection();
  });

  it('keeps one valid control chain while two engines append to it at once', { timeout: 60_000 }, async () => {
    const a = await PgJournal.open(dbA.pool, { partitions: N });
    const b = await PgJournal.open(dbB.pool, { partitions: N });
    const before = (await dbA.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE chain = -1')).rows[0]!.n;
    const sinkA = journalAuditSink(a);
    const sinkB = journalAuditSink(b);
    const event = (actor: string, i: number) => ({ actor, action: 'user.roles.changed', entityType: 'user' as const, entityId: `u${i}`, before: { i }, after: { i: i + 1 } });
    // Rounds in which both append on the head each last saw: one of them finds it moved and chains again.
    for (let i = 0; i < 25; i++) {
      await Promise.all([sinkA(event('ann', i)), sinkB(event('ben', i)), sinkA(event('ann', 100 + i))]);
    }
    const rows = (await dbA.pool.query<{ actor: string }>('SELECT actor FROM audit_log WHERE chain = -1')).rows;
    expect(rows.length - before).toBe(75);
    expect(rows.filter((r) => r.actor === 'ann')).toHaveLength(50);
    expect(rows.filter((r) => r.actor === 'ben')).toHaveLength(25);
    const check = await verifyAuditTrail(dbA.pool);
    expect(check.chains.find((c) => c.chain === -1)).toEqual({ chain: -1, ok: true, records: before + 75 });
    expect(check.ok).toBe(true);
    a.stopProjection();
    b.stopProjection();
  });
});

describe('partitions at a start', () => {
  it('creates the rows once and refuses another partition count', async () => {
    await ensurePartitions(dbA.pool, N); // again: nothing changes
    expect((await dbA.pool.query('SELECT count(*)::int AS n FROM partitions')).rows[0].n).toBe(N);
    await expect(ensurePartitions(dbA.pool, N * 2)).rejects.toMatchObject({ code: 'PARTITIONS_MISMATCH' });
  });

  it('owning everything bumps every epoch and names the owner', async () => {
    const before = (await dbA.pool.query<{ partition: number; epoch: string }>('SELECT partition, epoch FROM partitions ORDER BY partition')).rows;
    const grants = await ownAll(dbA.pool, 'engine-z', 'z:1', N);
    expect(grants.map((g) => g.partition)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(grants.map((g) => g.epoch)).toEqual(before.map((r) => Number(r.epoch) + 1));
    expect((await dbA.pool.query("SELECT count(*)::int AS n FROM partitions WHERE owner = 'engine-z' AND endpoint = 'z:1' AND since IS NOT NULL")).rows[0].n).toBe(N);
  });

  it('rebuilds only the portfolios, orders and fills of the partitions asked for', { timeout: 30_000 }, async () => {
    const j = await PgJournal.open(dbA.pool, { partitions: N });
    await j.own(await ownAll(dbA.pool, 'engine-r', null, N));
    const ids = [idIn(1, 'R'), idIn(2, 'R'), idIn(2, 'S')];
    for (const id of ids) {
      const c = created(id, 'admin-r');
      await j.record(c);
      const t = handlePortfolioMessage(c.state, { kind: 'SubmitOrder', submittedBy: 'tom', request: { clientOrderId: `k-${id}`, instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' } }, ctx);
      await j.record({ kind: 'changed', events: t.events, before: c.state, after: t.state, by: 'tom' });
    }
    await j.project();
    j.stopProjection();
    const scope = { partitions: N, owned: [2] };
    const states = await loadPortfolioStates(dbA.pool, 0, scope);
    expect(states.map((s) => s.portfolioId).sort()).toEqual([ids[1], ids[2]].sort());
    expect(states.every((s) => partitionOf(s.portfolioId, N) === 2)).toBe(true);
    const history = await loadRecentHistory(dbA.pool, 100, scope);
    expect(new Set(history.orders.map((o) => o.portfolioId))).toEqual(new Set([ids[1], ids[2]]));
    expect(new Set(history.fills.map((f) => f.portfolioId))).toEqual(new Set([ids[1], ids[2]]));
    // Without a scope, everything (the other tests' portfolios too).
    expect((await loadPortfolioStates(dbA.pool)).map((s) => s.portfolioId)).toEqual(expect.arrayContaining(ids));
  });
});
