/**
 * The risk pool's task file (runs inside a piscina worker thread): value the leg store records a task
 * names (leg-store-task.ts) and hand the task buffer back, or sweep a shard of books until told to
 * stop (sweep-loop.ts). The scenario set, its SIMD loss kernel
 * and the leg store's views are built once per thread from workerData.
 */
import { move, workerData } from 'piscina';
import { createDgvKernel } from '../../engine/risk/realtime-dgv-wasm.js';
import type { ScenarioSet } from '../../engine/risk/realtime-risk.js';
import { viewTask } from './leg-store-layout.js';
import { LegStoreTaskRunner } from './leg-store-task.js';
import type { RiskTask, RiskWorkerData } from './risk-protocol.js';
import { SweepLoop } from './sweep-loop.js';
import { setThreadSchedIdle } from './thread-priority.js';

const data = workerData as RiskWorkerData;
if (data.schedIdle) Atomics.add(new Int32Array(data.priorityReport), setThreadSchedIdle().ok ? 0 : 1, 1);
const scenarios: ScenarioSet = {
  nScenarios: data.nScenarios,
  returns: new Float64Array(data.returns),
  underlyings: data.underlyings,
  fallbackReturns: new Float64Array(data.fallbackReturns),
};
const runner = new LegStoreTaskRunner(data.legStore, scenarios, data.config, data.simd ? createDgvKernel(scenarios) : undefined);

export default function riskTask(task: RiskTask): ArrayBuffer | number {
  if ('sweep' in task) {
    new SweepLoop(task.sweep, data.legStore, runner, task.shard).run();
    return 0;
  }
  runner.run(viewTask(task.buffer));
  return move(task.buffer) as ArrayBuffer;
}
