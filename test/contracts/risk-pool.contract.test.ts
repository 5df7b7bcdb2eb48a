/**
 * The RiskCalculator contract against the piscina risk pool (its workers run from dist/: build
 * first), with a batch size that splits the contract's batches across tasks and threads; and the
 * pool's figures against the in-process calculator's, which must be the same numbers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessRiskCalculator } from '../../src/engine/risk/in-process-calculator.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { holdingsOf, inputOf, TICKERS } from '../workers/realtime-fixtures.js';
import { BOOKS, CONTRACT_SCENARIOS, describeRiskCalculatorContract, plain } from './risk-calculator.contract.js';

describeRiskCalculatorContract('piscina risk pool', (settings) => createRiskPool({ threads: 2, maxBatch: 16, ...settings }));

describe('the pool and the in-process calculator', () => {
  const pool = createRiskPool({ threads: 2, maxBatch: 8, scenarios: CONTRACT_SCENARIOS });
  const inProcess = new InProcessRiskCalculator({ scenarios: CONTRACT_SCENARIOS });
  afterAll(async () => { await pool.close(); await inProcess.close(); });

  it('give the same figures, bit for bit, for seeded books with American legs and margin', async () => {
    const inputs = [
      ...Array.from({ length: 40 }, (_, i) => inputOf(`p${i}`, holdingsOf(300 + i, 16, TICKERS, 2, i % 2 === 0), i % 4 === 0)),
      ...Object.entries(BOOKS).filter(([, h]) => h.every((x) => TICKERS.includes(x.instrument.kind === 'option' ? x.instrument.underlying : x.instrument.symbol)))
        .map(([name, h]) => inputOf(name, h, true)),
    ];
    expect(plain(await inProcess.recalculate(inputs))).toEqual(plain(await pool.recalculate(inputs)));
  });
});
