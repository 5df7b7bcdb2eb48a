/**
 * The risk pool's task file (runs inside a piscina worker thread): view the transferred buffer,
 * value it with the engine kernel, transfer the same buffer back with the results written in.
 * The scenario set and its SIMD loss kernel are built once per thread from workerData.
 */
import { move, workerData } from 'piscina';
import { createDgvKernel } from '../engine/risk/realtime-dgv-wasm.js';
import { computeRiskBatch, type ScenarioSet } from '../engine/risk/realtime-risk.js';
import { type RiskTask, type RiskWorkerData, viewBatch } from './risk-protocol.js';

const data = workerData as RiskWorkerData;
const scenarios: ScenarioSet = {
  nScenarios: data.nScenarios,
  returns: new Float64Array(data.returns),
  underlyings: data.underlyings,
  fallbackReturns: new Float64Array(data.fallbackReturns),
};
const dgv = data.simd ? createDgvKernel(scenarios) : undefined;

export default function riskTask(task: RiskTask): ArrayBuffer {
  const { batch, out } = viewBatch(task.buffer);
  computeRiskBatch(batch, scenarios, out, data.config, dgv);
  return move(task.buffer) as ArrayBuffer;
}
