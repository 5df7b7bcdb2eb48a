/**
 * `npm run bench:pricing`: the quant core's speed figures in one run.
 * - nsPerOption: European price + delta, gamma, vega, theta, rho per option, one thread, SoA kernel
 *   (bench/bsm.bench.ts), beside the plain-C floor of bench/floor/bs_floor.c built and run in
 *   the same sitting when gcc is present (best of 3 for both, the same statistic).
 * - varFullMs / varDgvUs: historical full-revaluation VaR and delta-gamma-vega VaR of a 100-option
 *   book over 500 real scenarios (bench/var.bench.ts).
 * The last line printed is one JSON object with every figure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { measureBsmNsPerOption } from './bsm.bench.js';
import { repoPath } from './repo-path.js';
import { measureVar } from './var.bench.js';

const N_OPTIONS = 2_000_000;

/** Builds and runs the C floor; undefined when there is no compiler or no floor file. */
function measureCFloorNs(): number | undefined {
  const src = repoPath('bench', 'floor', 'bs_floor.c');
  if (!existsSync(src)) return undefined;
  const exe = '/tmp/risk-engine-bs-floor';
  try {
    execFileSync('gcc', ['-O3', '-march=native', '-o', exe, src, '-lm'], { stdio: 'ignore' });
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const out = execFileSync(exe, [String(N_OPTIONS)], { encoding: 'utf8' });
      const m = /ns_per_option=([\d.]+)/.exec(out);
      if (m) best = Math.min(best, Number(m[1]));
    }
    return Number.isFinite(best) ? best : undefined;
  } catch {
    return undefined;
  }
}

const cFloorNs = measureCFloorNs();
const nsPerOption = await measureBsmNsPerOption(N_OPTIONS);
const { varFullMs, varDgvUs } = await measureVar();

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
console.log(`bsm kernel        ${nsPerOption.toFixed(1)} ns/option (${N_OPTIONS} varied options, best of 5)`);
if (cFloorNs !== undefined) {
  console.log(`C floor           ${cFloorNs.toFixed(1)} ns/option (gcc -O3 -march=native, best of 3); ratio ${(nsPerOption / cFloorNs).toFixed(2)} (target <= 1.25)`);
}
console.log(`historical VaR    ${varFullMs.toFixed(2)} ms (100 options x 500 scenarios, full revaluation; target <= 5)`);
console.log(`dgv VaR           ${varDgvUs.toFixed(2)} us (same book and scenarios; target <= 20)`);
console.log(
  JSON.stringify({
    nsPerOption: round(nsPerOption, 1),
    varFullMs: round(varFullMs, 3),
    varDgvUs: round(varDgvUs, 2),
    ...(cFloorNs !== undefined ? { cFloorNsPerOption: round(cFloorNs, 1), ratioToC: round(nsPerOption / cFloorNs, 3) } : {}),
  }),
);
