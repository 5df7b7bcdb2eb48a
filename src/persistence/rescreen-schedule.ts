/**
 * The schedule that re-screens every customer: each KYC case carries the time of its next screening
 * (its risk level sets how far: docs/KYC.md), and this looks for the due ones every interval and
 * screens them again (KycService.rescreen), so a customer added to the sanctions list after their
 * onboarding is found, alerted and halted like one found at submission.
 *
 * One engine process per schema runs it (the engine that holds the writer lock is the one that
 * runs this composition), so a customer is not screened twice at once by two engines.
 */
import type { LogFn } from '../logger.js';
import type { KycService } from './kyc-service.js';

export const RESCREEN_SCHEDULE_DEFAULTS = Object.freeze({ intervalMs: 3_600_000, batch: 100, maxBatchesPerRun: 20 });

export interface RescreenSchedule {
  /** Screens the due customers now (at most maxBatchesPerRun batches); what the timer calls. */
  runOnce(): Promise<{ readonly screened: number; readonly failed: number }>;
  stop(): Promise<void>;
}

export function startRescreenSchedule(o: {
  readonly kyc: Pick<KycService, 'rescreenDue'>;
  readonly log: LogFn;
  readonly intervalMs?: number;
  readonly batch?: number;
  readonly maxBatchesPerRun?: number;
}): RescreenSchedule {
  const intervalMs = o.intervalMs ?? RESCREEN_SCHEDULE_DEFAULTS.intervalMs;
  const batch = o.batch ?? RESCREEN_SCHEDULE_DEFAULTS.batch;
  const maxBatches = o.maxBatchesPerRun ?? RESCREEN_SCHEDULE_DEFAULTS.maxBatchesPerRun;
  let running: Promise<{ screened: number; failed: number }> | undefined;
  let stopped = false;

  const run = async (): Promise<{ screened: number; failed: number }> => {
    let screened = 0, failed = 0;
    // A case whose re-screening fails stays due (and, the longest due, first in every batch): it is
    // tried once a run, left out of the run's later batches so the others due are reached, and
    // tried again by the next run.
    const failedThisRun = new Set<string>();
    for (let i = 0; i < maxBatches && !stopped; i++) {
      const done = await o.kyc.rescreenDue(batch, failedThisRun);
      for (const d of done) {
        if (d.outcome.ok) screened++;
        else {
          failed++;
          failedThisRun.add(d.userId);
          o.log('warn', 'KYC re-screening failed', { userId: d.userId, code: d.outcome.code, message: d.outcome.message });
        }
      }
      if (done.length < batch) break;
    }
    if (screened + failed > 0) o.log('info', 'KYC re-screening ran', { screened, failed });
    return { screened, failed };
  };

  const runOnce = (): Promise<{ screened: number; failed: number }> => {
    // One run at a time: a slow run (a large book of due customers) is not overtaken by the next tick.
    running ??= run().finally(() => { running = undefined; });
    return running;
  };

  const timer = setInterval(() => {
    runOnce().catch((e: unknown) => o.log('error', 'KYC re-screening run failed', { error: e instanceof Error ? e.message : String(e) }));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
