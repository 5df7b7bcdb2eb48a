/**
 * A risk manager's tick-band change (src/engine/market/tick-guard.ts) is in the audit trail, with
 * who, the band before and after and the held tick it released, on this machine's PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { EngineApi } from '../../src/engine/runtime/engine-api.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { openPersistence, type Persistence } from '../../src/persistence/persistence.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { newTarget, type DbTarget } from './pg-fixture.js';

let t: DbTarget;
let p: Persistence;
let engine: EngineApi;
const clock = { nowMs: () => Date.UTC(2026, 0, 15, 15) };

beforeAll(async () => {
  t = newTarget('external');
  p = await openPersistence({ databaseUrl: t.url!, schema: t.schema, queuePrefix: 'test', logLevel: 'silent', poolSize: 2, dataDir: t.dataDir, log: () => {} });
  const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  engine = new Engine({ calculator: createRiskPool({ threads: 1, scenarios: sc.value }), clock, rate: 0.04, journal: p.journal });
});

afterAll(async () => {
  await engine?.close();
  await p?.close();
  await t?.cleanup();
});

describe('tick band changes in the audit trail', () => {
  it('records who changed which symbol\'s band, from what to what, and the held tick it released', async () => {
    const now = clock.nowMs();
    expect(engine.tick('AAA', 100, now)).toMatchObject({ ok: true, value: 'accepted' });
    expect(engine.tick('AAA', 140, now + 1)).toMatchObject({ ok: true, value: 'held' });
    expect((await engine.setTickBand('AAA', 0.5, 'rita')).ok).toBe(true);
    expect((await engine.setTickBand('AAA', undefined, 'rick')).ok).toBe(true);
    await p.journal.project();
    const rows = (await p.db.pool.query<{ actor: string; action: string; entity_type: string; entity_id: string; before: unknown; after: unknown }>(
      "SELECT actor, action, entity_type, entity_id, before, after FROM audit_log WHERE action = 'market.band.changed' ORDER BY seq",
    )).rows;
    expect(rows).toEqual([
      { actor: 'rita', action: 'market.band.changed', entity_type: 'symbol', entity_id: 'AAA', before: { maxJump: 0.25 }, after: { maxJump: 0.5, released: { price: 140, ts: now + 1 } } },
      { actor: 'rick', action: 'market.band.changed', entity_type: 'symbol', entity_id: 'AAA', before: { maxJump: 0.5 }, after: { maxJump: 0.25 } },
    ]);
    // A band belongs to no portfolio: its records are the control chain's (-1).
    expect(await verifyAuditTrail(p.db.pool)).toEqual({ ok: true, records: 2, chains: [{ chain: -1, ok: true, records: 2 }] });
  });
});
