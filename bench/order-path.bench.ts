/**
 * The engine's own share of an order: engine.submitOrder, awaited one after another, in process,
 * without the gateway, the network or a journal (memory mode), on 10 portfolios with one priced
 * underlying and market orders that fill at once. It moves only with what the order path does
 * (pre-trade checks, the actor, the clientOrderId memory, the trade history), not with the load
 * generator or the machine's other work, so two builds compare side by side more steadily than the
 * end-to-end bench's order-to-ack allows.
 *
 * Env: ORDERS (default 40,000, after 5,000 of warm-up), measured in 5 rounds.
 * Run: `npm run build && node dist/bench/order-path.bench.js`. The last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { syntheticScenarioSet } from '../src/engine/risk/realtime-scenarios.js';
import { Engine } from '../src/engine/runtime/engine.js';
import { createRiskPool } from '../src/workers/risk-pool/risk-pool.js';

const ORDERS = Number(process.env.ORDERS ?? 40_000);
if (!(Number.isInteger(ORDERS) && ORDERS >= 5)) throw new RangeError(`ORDERS must be an integer >= 5, got ${process.env.ORDERS}`);
const ROUNDS = 5;
const PORTFOLIOS = 10;

const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 7 });
if (!sc.ok) throw new Error(sc.message);
const pool = createRiskPool({ threads: 1, scenarios: sc.value });
const engine = new Engine({ calculator: pool, clock: { nowMs: () => Date.now() }, rate: 0.03 });
engine.tick('AAA', 100, Date.now());
for (let p = 0; p < PORTFOLIOS; p++) {
  const r = await engine.createPortfolio({ portfolioId: `P${p}`, cash: 1e12, limits: { submitRateLimit: 1_000_000, maxOrderQty: Infinity, maxOrderNotional: Infinity } }, 'bench');
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
}
await new Promise((r) => setTimeout(r, 500)); // first risk of every portfolio, so pre-trade checks have it

let seq = 0;
async function round(n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const out = await engine.submitOrder(`P${i % PORTFOLIOS}`, { clientOrderId: `c${seq++}`, instrument: 'AAA', side: i % 2 ? 'buy' : 'sell', qty: 1, orderType: 'market' }, 'bench');
    if (out.kind !== 'ack') throw new Error(`order refused: ${out.code} ${out.message}`);
  }
  return ((performance.now() - start) * 1000) / n;
}

await round(5000);
const usPerOrder: number[] = [];
for (let k = 0; k < ROUNDS; k++) usPerOrder.push(await round(Math.floor(ORDERS / ROUNDS)));
await engine.close();
process.stdout.write(`engine.submitOrder, µs per order by round: ${usPerOrder.map((x) => x.toFixed(2)).join(' ')}\n`);
process.stdout.write(`${JSON.stringify({ usPerOrder, median: [...usPerOrder].sort((a, b) => a - b)[2] })}\n`);
process.exit(0);
