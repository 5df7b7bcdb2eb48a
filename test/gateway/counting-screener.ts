/**
 * The real sanctions thread with a count of what it was asked: every call passes through to it
 * (a counter around the real thing, not a stand-in), so a test can tell a cached answer from a
 * screening.
 */
import type { ScreeningQuery, ScreeningResult } from '../../src/engine/compliance/sanctions/index.js';
import type { SanctionsScreeningPort } from '../../src/gateway/counterparty-screening.js';
import type { SanctionsThread } from '../../src/workers/sanctions/sanctions-thread.js';

/** The names the thread was asked to screen, in order. */
export class CountingScreener implements SanctionsScreeningPort {
  readonly asked: string[] = [];
  constructor(private readonly thread: SanctionsThread) {}
  get version(): { readonly sha256: string } {
    return this.thread.version;
  }
  screen(query: ScreeningQuery): Promise<ScreeningResult> {
    this.asked.push(query.name);
    return this.thread.screen(query);
  }
}
