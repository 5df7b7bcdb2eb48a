/**
 * A latency histogram in integer microseconds (HdrHistogram, 3 significant digits, up to 60 s),
 * reported in milliseconds. Values above the range are clamped rather than thrown, so one stall
 * cannot abort a run; `clamped` says how many.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummaryMs {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly count: number;
}

const HIGHEST_US = 60_000_000;

export class LatencyRecorder {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: false, useWebAssembly: false });
  clamped = 0;

  /** One latency, in milliseconds (fractional). */
  recordMs(ms: number): void {
    this.h.recordValue(this.toUs(ms));
  }

  /**
   * One latency whose samples are expected every `intervalMs`: a value above the interval also adds
   * the samples a stall kept from being taken (HdrHistogram's coordinated-omission correction).
   */
  recordMsWithExpectedInterval(ms: number, intervalMs: number): void {
    this.h.recordValueWithExpectedInterval(this.toUs(ms), Math.max(1, Math.round(intervalMs * 1000)));
  }

  summary(): LatencySummaryMs {
    const ms = (us: number): number => Math.round(us) / 1000;
    const n = this.h.totalCount;
    return {
      p50: n ? ms(this.h.getValueAtPercentile(50)) : NaN,
      p99: n ? ms(this.h.getValueAtPercentile(99)) : NaN,
      p999: n ? ms(this.h.getValueAtPercentile(99.9)) : NaN,
      max: n ? ms(this.h.maxValue) : NaN,
      count: n,
    };
  }

  private toUs(ms: number): number {
    const us = Math.round(ms * 1000);
    if (us > HIGHEST_US) {
      this.clamped++;
      return HIGHEST_US;
    }
    return Math.max(1, us); // clocks of two processes can disagree by a few µs; never record ≤ 0
  }
}
