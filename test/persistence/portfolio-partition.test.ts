/**
 * portfolio_partition (migration 0021), with which a takeover loads a partition's portfolios, is
 * the engine's partitionOf in SQL: the same partition for every id, ASCII or not, on a PostgreSQL
 * server and on the embedded PGlite. A difference would rebuild a portfolio on an engine that does
 * not own it, or not at all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/engine/cluster/partitions.js';
import { openDatabase } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { type Backend, type DbTarget, newTarget } from './pg-fixture.js';

const targets: DbTarget[] = [];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

function ids(): string[] {
  const out = ['', 'a', 'p1', 'demo-0000', 'x'.repeat(200), 'Ünïcødé-€', '日本語のポートフォリオ', 'emoji-🚀-book', "quote'and\"double", 'tab\there'];
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 2000; i++) {
    const len = 1 + Math.floor(rnd() * 40);
    let s = '';
    for (let k = 0; k < len; k++) s += String.fromCodePoint(rnd() < 0.9 ? 32 + Math.floor(rnd() * 95) : 0xa0 + Math.floor(rnd() * 0x2000));
    out.push(s);
  }
  return out;
}

describe.each<Backend>(['external', 'embedded'])('portfolio_partition on %s PostgreSQL', (backend) => {
  it('gives every id the partition the engine computes, for several partition counts', { timeout: 60_000 }, async () => {
    const t = newTarget(backend);
    targets.push(t);
    const db = await openDatabase({ ...(t.url !== undefined ? { url: t.url } : {}), schema: t.schema, dataDir: t.dataDir, poolSize: 2 });
    try {
      await migrate(db.pool);
      const all = ids();
      for (const n of [1, 7, 256, 4096]) {
        const r = await db.pool.query<{ id: string; p: number }>('SELECT id, portfolio_partition(id, $2) AS p FROM unnest($1::text[]) AS id', [all, n]);
        const differ = r.rows.filter((row) => row.p !== partitionOf(row.id, n)).map((row) => row.id);
        expect(differ, `n=${n}`).toEqual([]);
        expect(r.rows).toHaveLength(all.length);
      }
    } finally {
      await db.close();
    }
  });
});
