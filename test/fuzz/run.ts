/**
 * `npm run fuzz -- [--minutes N] [--seed S] [--requests R] [--frames F]`: the fuzz of
 * hostile-clients.test.ts, longer or with another seed. Needs `npm run build` (it runs dist's serve)
 * and this machine's PostgreSQL. Exits 1 when it finds anything.
 */
import { parseArgs } from 'node:util';
import { formatReport, runFuzz } from './fuzz-run.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string' }, seed: { type: 'string' }, requests: { type: 'string' }, frames: { type: 'string' } },
});
const num = (v: string | undefined, name: string, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got ${v}`);
  return n;
};
const seed = values.seed !== undefined ? num(values.seed, 'seed', 1) >>> 0 : (Date.now() % 1_000_000) >>> 0;
const minutes = values.minutes !== undefined ? num(values.minutes, 'minutes', 1) : undefined;
const report = await runFuzz({
  seed, requests: num(values.requests, 'requests', 10_000), frames: num(values.frames, 'frames', 100_000),
  ...(minutes !== undefined ? { minutes } : {}),
  log: (l) => console.log(l),
});
console.log(formatReport(report));
process.exitCode = report.findings.length === 0 ? 0 : 1;
