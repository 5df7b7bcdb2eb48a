import { describe, expect, it } from 'vitest';
import { closeOfDateMs, expiryInstantMs, timeToExpiryYears, yearsToExpiry } from '../../../src/engine/market/time-to-expiry.js';

describe('time to expiry', () => {
  it('puts an option\'s expiry at 21:00 UTC on its expiry date, and NaN for a date that is not one', () => {
    expect(expiryInstantMs('2026-01-16')).toBe(Date.UTC(2026, 0, 16, 21));
    expect(expiryInstantMs('2026-07-17')).toBe(Date.UTC(2026, 6, 17, 21));
    expect(expiryInstantMs('2026-02-30')).toBeNaN();
    expect(closeOfDateMs('2014-12-31')).toBe(Date.UTC(2014, 11, 31, 21));
  });

  it('counts Actual/365 in milliseconds from the valuation instant: nine hours before a close is 9/8760 more than the close', () => {
    expect(timeToExpiryYears(Date.UTC(2026, 0, 15, 12), '2026-01-16')).toBeCloseTo(33 / 8760, 15);
    expect(timeToExpiryYears(Date.UTC(2026, 0, 15, 21), '2026-01-16')).toBe(1 / 365);
  });

  it('gives whole days / 365 exactly, bit for bit, from the close of a market date (the CLI\'s valuation instant)', () => {
    expect(timeToExpiryYears(closeOfDateMs('2014-12-31'), '2015-03-20')).toBe(79 / 365);
    expect(timeToExpiryYears(closeOfDateMs('2026-01-15'), '2027-06-17')).toBe(518 / 365);
  });

  it('floors at 0 after the expiry instant and for a NaN instant (a bad date, or an underlying with none)', () => {
    expect(timeToExpiryYears(Date.UTC(2026, 0, 16, 21, 0, 0, 1), '2026-01-16')).toBe(0);
    expect(timeToExpiryYears(Date.UTC(2026, 0, 20), '2026-01-16')).toBe(0);
    expect(timeToExpiryYears(Date.UTC(2026, 0, 1), 'not-a-date')).toBe(0);
    expect(yearsToExpiry(Date.UTC(2026, 0, 1), NaN)).toBe(0);
  });
});
