import { riskCalculatorErrors } from '../../engine/runtime/risk-calculator-errors.js';

/** Every error the risk pool raises, as named factories with a plain message. */
export const riskPoolErrors = {
  taskFailed: riskCalculatorErrors.taskFailed,
  closed: () => new Error('risk pool is closed; create a new one'),
  sweepOpen: () => new Error('risk pool: openSweep() was called already (one engine per pool)'),
  badOption: (name: string, value: unknown, expected: string) =>
    new RangeError(`createRiskPool: ${name} = ${String(value)}, expected ${expected}`),
  workerNotBuilt: (path: string) =>
    new Error(`risk worker ${path} not found; the pool runs the compiled worker, run \`npm run build\` first`),
} as const;
