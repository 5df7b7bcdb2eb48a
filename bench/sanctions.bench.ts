/**
 * Scenario: sanctions screening against the whole OFAC SDN list (data/ofac) on one core.
 *   1. Recall: name variants built from real entries (bench/sanctions-variants.ts: typos, reordered
 *      tokens, missing middle names, diacritics, titles, aliases, Cyrillic and Arabic spellings);
 *      a variant is found when its entry is among the matches (review or block).
 *   2. False positives: ordinary first × last names that are not listed, screened without and with
 *      `type: "individual"` (what KYC screening sends).
 *   3. Both figures at other thresholds, the table the thresholds were chosen from.
 *   4. Latency per query (p50, p99) of the index over all those queries, and of the exhaustive
 *      pass (every name compared) on a sample, in the same run; and that the two agree exactly.
 * Run: npm run bench:sanctions  [entries sampled for variants, default 300]
 */
import { performance } from 'node:perf_hooks';
import { BLOCK_MIN_PAIR, BLOCK_THRESHOLD, REVIEW_THRESHOLD, type ScreeningQuery } from '../src/engine/compliance/sanctions/index.js';
import { loadSanctionsIndex } from '../src/persistence/sanctions-list.js';
import { repoPath } from './repo-path.js';
import { VARIANT_KINDS, buildVariants, ordinaryNames } from './sanctions-variants.js';

const pct = (x: number, n: number): string => (n === 0 ? '—' : `${((100 * x) / n).toFixed(1)} %`);
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

async function main(): Promise<void> {
  const sample = Number(process.argv[2] ?? 300);
  const t0 = performance.now();
  const index = await loadSanctionsIndex(repoPath('data', 'ofac'));
  const buildMs = performance.now() - t0;
  const v = index.version;
  console.log(`list ${v.sha256.slice(0, 16)}…: ${v.entries} entries, ${v.aliases} aliases, ${v.addresses} addresses, ${v.datesOfBirth} dates of birth; ${index.size.names} names, ${index.size.tokens} distinct tokens; loaded and indexed in ${buildMs.toFixed(0)} ms`);
  console.log(`thresholds: review ≥ ${REVIEW_THRESHOLD}, block ≥ ${BLOCK_THRESHOLD} with every query token paired at ≥ ${BLOCK_MIN_PAIR}\n`);

  // 1. recall
  const variants = buildVariants(index.entries, sample);
  const foundMatch = variants.map((x) => index.screen({ name: x.query }).matches.find((m) => m.entNum === x.entNum));
  const foundScore = foundMatch.map((m) => m?.score);
  console.log(`recall on ${variants.length} variants of ${sample} entries (found = the entry among the matches)`);
  console.log('| variant | n | found (review or block) | block |\n|---|---|---|---|');
  for (const kind of VARIANT_KINDS) {
    const idx = variants.map((x, i) => (x.kind === kind ? i : -1)).filter((i) => i >= 0);
    const found = idx.filter((i) => foundScore[i] !== undefined).length;
    const block = idx.filter((i) => foundMatch[i]?.decision === 'block').length;
    console.log(`| ${kind} | ${idx.length} | ${pct(found, idx.length)} | ${pct(block, idx.length)} |`);
  }
  const allFound = foundScore.filter((s) => s !== undefined).length;
  console.log(`| all | ${variants.length} | ${pct(allFound, variants.length)} | ${pct(foundMatch.filter((m) => m?.decision === 'block').length, variants.length)} |\n`);

  // 2. false positives
  const ordinary = ordinaryNames(index.entries);
  const plainResults = ordinary.map((name) => index.screen({ name }));
  const typedResults = ordinary.map((name) => index.screen({ name, type: 'individual' }));
  const plain = plainResults.map((r) => r.matches[0]?.score ?? 0);
  const typed = typedResults.map((r) => r.matches[0]?.score ?? 0);
  const count = (xs: number[], t: number): number => xs.filter((s) => s >= t).length;
  const blocked = (rs: { decision: string }[]): number => rs.filter((r) => r.decision === 'block').length;
  console.log(`false positives on ${ordinary.length} ordinary names not listed (${ordinary.length} = common first × last names minus exact listed names)`);
  console.log('| query | review or block | block |\n|---|---|---|');
  console.log(`| name only | ${pct(count(plain, REVIEW_THRESHOLD), ordinary.length)} | ${pct(blocked(plainResults), ordinary.length)} |`);
  console.log(`| name, type individual | ${pct(count(typed, REVIEW_THRESHOLD), ordinary.length)} | ${pct(blocked(typedResults), ordinary.length)} |\n`);

  // 3. the threshold table
  console.log('score at or above a threshold (the block decision also needs every query token paired at BLOCK_MIN_PAIR):');
  console.log('| threshold | variants found | ordinary names flagged (name only) | (type individual) |\n|---|---|---|---|');
  for (const t of [0.85, 0.87, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98]) {
    if (t < REVIEW_THRESHOLD) continue;
    console.log(`| ${t.toFixed(2)} | ${pct(foundScore.filter((s) => (s ?? 0) >= t).length, variants.length)} | ${pct(count(plain, t), ordinary.length)} | ${pct(count(typed, t), ordinary.length)} |`);
  }

  // 4. latency, index and exhaustive, and agreement
  const queries: ScreeningQuery[] = [...variants.map((x) => ({ name: x.query })), ...ordinary.map((name) => ({ name }))];
  for (const q of queries.slice(0, 500)) index.screen(q); // warm-up
  const times: number[] = [];
  for (const q of queries) {
    const s = performance.now();
    index.screen(q);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(queries.length / 400));
  const sampled = queries.filter((_, i) => i % step === 0);
  const exhaustive: number[] = [];
  let disagreements = 0;
  for (const q of sampled) {
    const s = performance.now();
    const full = index.screenExhaustive(q);
    exhaustive.push(performance.now() - s);
    if (JSON.stringify(full) !== JSON.stringify(index.screen(q))) disagreements++;
  }
  exhaustive.sort((a, b) => a - b);
  console.log(`\nlatency per query, one core, whole list (${index.size.names} names):`);
  console.log(`  index:      ${queries.length} queries  p50 ${quantile(times, 0.5).toFixed(3)} ms  p99 ${quantile(times, 0.99).toFixed(3)} ms  max ${(times[times.length - 1] as number).toFixed(3)} ms`);
  console.log(`  exhaustive: ${sampled.length} queries  p50 ${quantile(exhaustive, 0.5).toFixed(3)} ms  p99 ${quantile(exhaustive, 0.99).toFixed(3)} ms`);
  console.log(`  index vs exhaustive on those ${sampled.length}: ${disagreements} disagreement(s) (decision, matches, scores, explanations)`);
  if (disagreements > 0) process.exitCode = 1;
}

await main();
