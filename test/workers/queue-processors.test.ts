/** The processors on in-memory stores: what they write, and what they refuse. */
import { UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { memoryAmlAlertStore } from '../../src/persistence/aml-alert-store.js';
import { riskCopyText } from '../../src/persistence/copy-text.js';
import { memorySnapshotStore } from '../../src/persistence/snapshot-store.js';
import { amlProcessor } from '../../src/workers/queue-jobs/aml-processor.js';
import { memoryStoredFills } from '../../src/persistence/stored-fills.js';
import { memoryAmlActivity } from '../../src/persistence/aml-activity.js';
import { AML_RULE_DEFAULTS } from '../../src/engine/compliance/aml/rule-defaults.js';
import { persistProcessor } from '../../src/workers/queue-jobs/persist-processor.js';

const job = (queueName: string, data: unknown): Job<unknown, unknown, string> => ({ id: '7', queueName, data }) as Job<unknown, unknown, string>;
const rows = [
  { portfolio_id: 'p', seq: 1, tick_ts: 10, computed_ms: 11, figures: { var: 1 } },
  { portfolio_id: 'p', seq: 2, tick_ts: 12, computed_ms: 13, figures: { var: 2 } },
];

describe('persist processor', () => {
  it('writes a batch carried as one JSON text, and a repeated one writes nothing', async () => {
    const store = memorySnapshotStore();
    const run = persistProcessor(store);
    const data = { kind: 'risk_snapshots', rowsJson: JSON.stringify(rows) };
    expect(await run(job('x.persist', data))).toEqual({ written: 2 });
    expect(await run(job('x.persist', data))).toEqual({ written: 0 });
    expect([...store.risk.values()]).toEqual(rows);
  });

  it('dead-letters a JSON batch whose rows the store refuses, naming the row and field', async () => {
    const run = persistProcessor(memorySnapshotStore());
    const bad = [rows[0], { ...rows[1], seq: '2' }];
    const err = await run(job('x.persist', { kind: 'risk_snapshots', rowsJson: JSON.stringify(bad) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^QUEUE_PAYLOAD_INVALID: x\.persist job 7 has a malformed payload: rows\[1\]\.seq: .*number.* \(risk_snapshots rows refused: /);
  });

  it('writes a batch carried as COPY text, and a repeated one writes nothing', async () => {
    const store = memorySnapshotStore();
    const run = persistProcessor(store);
    const data = { kind: 'risk_snapshots', rowsCopy: riskCopyText(rows) };
    expect(await run(job('x.persist', data))).toEqual({ written: 2 });
    expect(await run(job('x.persist', data))).toEqual({ written: 0 });
    expect([...store.risk.values()]).toEqual(rows);
  });

  it('dead-letters a COPY batch with a bad line, naming the row and field, or the line and its field count', async () => {
    const run = persistProcessor(memorySnapshotStore());
    const nan = riskCopyText(rows).replace('\t12\t', '\tNaN\t');
    const err = await run(job('x.persist', { kind: 'risk_snapshots', rowsCopy: nan })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^QUEUE_PAYLOAD_INVALID: x\.persist job 7 has a malformed payload: rows\[1\]\.tick_ts: .*number/);
    await expect(run(job('x.persist', { kind: 'market_snapshots', rowsCopy: 'AAA\t1\n' }))).rejects.toThrow(/rowsCopy line 1: 2 fields, expected 3 \(symbol, ts_ms, price\)/);
    await expect(run(job('x.persist', { kind: 'market_snapshots', rowsCopy: '' }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*rowsCopy: expected COPY text lines, at least one row/);
  });

  it('refuses a JSON batch that is empty or not text before writing anything', async () => {
    const run = persistProcessor(memorySnapshotStore());
    await expect(run(job('x.persist', { kind: 'risk_snapshots', rowsJson: '[]' }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*rowsJson: expected a JSON array of at least one row/);
    await expect(run(job('x.persist', { kind: 'risk_snapshots', rowsJson: rows }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*rowsJson: .*string/);
    await expect(run(job('x.persist', { kind: 'fills', rowsJson: '[{}]' }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*kind/);
  });

  it('lets a database failure through as it is, so that the queue retries it', async () => {
    const down = new Error('connection terminated unexpectedly');
    const store = { ...memorySnapshotStore(), insertRiskSnapshots: () => Promise.reject(down) };
    const err = await persistProcessor(store)(job('x.persist', { kind: 'risk_snapshots', rowsJson: JSON.stringify(rows) })).catch((e: unknown) => e);
    expect(err).toBe(down);
  });

  it('reports how many rows were new, so a repeated batch reports none (rows as objects)', async () => {
    const store = memorySnapshotStore();
    const run = persistProcessor(store);
    expect(await run(job('x.persist', { kind: 'risk_snapshots', rows }))).toEqual({ written: 2 });
    expect(await run(job('x.persist', { kind: 'risk_snapshots', rows }))).toEqual({ written: 0 });
    expect(store.risk.size).toBe(2);
  });

  it('refuses a malformed batch as unrecoverable, naming the queue, the job and the bad fields', async () => {
    const run = persistProcessor(memorySnapshotStore());
    const err = await run(job('x.persist', { kind: 'market_snapshots', rows: [{ symbol: '', ts_ms: 1, price: 'high' }] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^QUEUE_PAYLOAD_INVALID: x\.persist job 7 has a malformed payload: rows\[0\]\.symbol: .*; rows\[0\]\.price: /);
  });

  it('refuses an unknown kind and an empty batch', async () => {
    const run = persistProcessor(memorySnapshotStore());
    await expect(run(job('x.persist', { kind: 'orders', rows }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*kind/);
    await expect(run(job('x.persist', { kind: 'risk_snapshots', rows: [] }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*rows/);
  });
});

describe('aml processor', () => {
  const fill = { fillId: 'p-f1', orderId: 'p-o1', portfolioId: 'p', instrument: 'AAA', side: 'sell', qty: 1000, price: 2000, ts: 5 } as const;
  // The fills as the journal stored them: the processor screens these, whatever a payload says.
  const stored = memoryStoredFills([fill, { ...fill, fillId: 'p-f2', qty: 1 }]);
  const activity = memoryAmlActivity([fill, { ...fill, fillId: 'p-f2', qty: 1 }]);

  it('marks every fill screened and records a large one’s alert once however often it is delivered', async () => {
    const store = memoryAmlAlertStore();
    const run = amlProcessor(store, stored, activity, AML_RULE_DEFAULTS);
    expect(await run(job('x.aml', { fills: [fill] }))).toEqual({ fills: 1, alerted: 1 });
    expect(await run(job('x.aml', { fills: [fill, { ...fill, fillId: 'p-f2', qty: 1 }] }))).toEqual({ fills: 2, alerted: 0 });
    expect(store.alerts.map((a) => a.fillId)).toEqual(['p-f1']);
    expect([...store.screenedFills]).toEqual(['p-f1', 'p-f2']); // screened, alert or not
  });

  it('still reads a single-fill job, the form queued before fills travelled in batches', async () => {
    const store = memoryAmlAlertStore();
    expect(await amlProcessor(store, stored, activity, AML_RULE_DEFAULTS)(job('x.aml', fill))).toEqual({ fills: 1, alerted: 1 });
    expect([...store.screenedFills]).toEqual(['p-f1']);
  });

  it('refuses an empty batch, an oversized one and a bad fill, naming it (a dead letter, nothing screened)', async () => {
    const store = memoryAmlAlertStore();
    const run = amlProcessor(store, stored, activity, AML_RULE_DEFAULTS);
    await expect(run(job('x.aml', { fills: [] }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID/);
    await expect(run(job('x.aml', { fills: Array.from({ length: 501 }, (_, i) => ({ ...fill, fillId: `p-f${i}` })) }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID/);
    await expect(run(job('x.aml', { fills: [fill, { ...fill, fillId: 'p-f9', qty: -5 }] }))).rejects.toThrow(/QUEUE_PAYLOAD_INVALID: .*fills\[1\]\.qty/);
    expect(store.screenedFills.size).toBe(0);
  });

  it('screens the stored fill, not the amounts a payload claims, and dead-letters a fill id the journal does not have', async () => {
    const store = memoryAmlAlertStore();
    const run = amlProcessor(store, stored, activity, AML_RULE_DEFAULTS);
    // A replayed payload shrinks p-f1 below the threshold and inflates p-f2 above it: the stored amounts decide.
    expect(await run(job('x.aml', { fills: [{ ...fill, qty: 1 }, { ...fill, fillId: 'p-f2', qty: 1e6 }] }))).toEqual({ fills: 2, alerted: 1 });
    expect(store.alerts).toEqual([expect.objectContaining({ fillId: 'p-f1', notional: 2_000_000, details: expect.objectContaining({ qty: 1000 }) })]);
    await expect(run(job('x.aml', { fills: [fill, { ...fill, fillId: 'p-forged' }] }))).rejects.toThrow(/^AML_FILL_UNKNOWN: x\.aml job .* names 1 fill\(s\) the journal does not have: p-forged$/);
    expect([...store.screenedFills]).toEqual(['p-f1', 'p-f2']);
  });
});
