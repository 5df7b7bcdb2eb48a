/**
 * The kernel floor's thread (kernel-floor.ts): the engine's risk kernel as a pool worker runs it
 * (LegStoreTaskRunner over a LegStore, SIMD dgv kernel, the engine's scenario set and VaR settings)
 * on the bench's books, timed on request: alone, or with a second thread spinning beside it.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { DemoUnderlying } from '../../src/engine/market/demo-market.js';
import type { DemoPortfolio } from '../../src/engine/market/demo-portfolios.js';
import { createDgvKernel } from '../../src/engine/risk/realtime-dgv-wasm.js';
import { viewTask } from '../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../../src/workers/risk-pool/leg-store-task.js';
import { type EnginePoolSettings, engineRiskConfig, engineScenarioSet, recalcInputs } from './engine-risk-inputs.js';

export interface KernelFloorRequest { readonly spinner: boolean; readonly minMs: number; readonly maxReps: number }
export interface KernelTiming { readonly bestUs: number; readonly medianUs: number; readonly reps: number }

const data = workerData as { books: DemoPortfolio[]; underlyings: DemoUnderlying[]; settings: EnginePoolSettings };
const port = parentPort;
if (!port) throw new Error('kernel-floor-worker runs as a worker thread');

const sc = engineScenarioSet();
const inputs = recalcInputs(data.books, data.underlyings, data.settings.rate, Date.now());
const store = new LegStore(sc.underlyings);
const runner = new LegStoreTaskRunner(store.sab, sc, engineRiskConfig(sc, data.settings), createDgvKernel(sc));
const parts: (typeof inputs)[] = [];
for (let i = 0; i < inputs.length; i += data.settings.maxBatch) parts.push(inputs.slice(i, i + data.settings.maxBatch));
// First pass untimed: writes every record (the engine does it once per holdings change) and leaves
// each the tail hint a live portfolio has from its previous recalculation; warms the JIT.
for (const c of parts) { const t = store.prepare(c); runner.run(viewTask(t.buffer)); store.deliver(t, t.buffer); }
const tasks = parts.map((c) => store.prepare(c));

function time(minMs: number, maxReps: number): KernelTiming {
  const us: number[] = [];
  const t0 = performance.now();
  while (us.length < 3 || (us.length < maxReps && performance.now() - t0 < minMs)) {
    const s = performance.now();
    for (const t of tasks) runner.run(viewTask(t.buffer));
    us.push(((performance.now() - s) * 1000) / inputs.length);
  }
  us.sort((a, b) => a - b);
  return { bestUs: us[0] as number, medianUs: us[us.length >> 1] as number, reps: us.length };
}

port.on('message', (req: KernelFloorRequest) => {
  void (async () => {
    const spinner = req.spinner ? new Worker('for (;;) {}', { eval: true }) : undefined;
    if (spinner) await new Promise((r) => setTimeout(r, 200)); // let it start spinning
    try {
      port.postMessage(time(req.minMs, req.maxReps));
    } finally {
      await spinner?.terminate();
    }
  })();
});
port.postMessage('ready');
