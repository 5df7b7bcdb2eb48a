/**
 * Nothing a client sends stops the engine: 10,000 hostile HTTP requests and
 * 100,000 hostile websocket frames, seeded, against the built `risk-engine serve` over real sockets;
 * then the engine is up, every answer was a documented one, and a normal client still trades.
 * Replay a failure with `npm run fuzz -- --seed <seed>` (or FUZZ_SEED=<seed> for this test).
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runFuzz } from './fuzz-run.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261206;

describe('hostile clients', () => {
  it('leave the engine up, get only documented answers, and a normal client still trades', async () => {
    const report = await runFuzz({ seed: SEED, requests: 10_000, frames: 100_000 });
    const text = formatReport(report);
    expect(report.http.sent, text).toBeGreaterThanOrEqual(10_000);
    expect(report.ws.sent, text).toBeGreaterThanOrEqual(100_000);
    expect(report.findings, text).toEqual([]);
  }, 120_000);
});
