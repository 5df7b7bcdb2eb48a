import { describe, expect, it } from 'vitest';
import { isIsoDate, isoToEpochDay } from '../../../src/engine/market/dates.js';

describe('isoToEpochDay', () => {
  it('agrees with Date.UTC on every day from 1899 to 2101', () => {
    for (let ms = Date.UTC(1899, 0, 1); ms <= Date.UTC(2101, 11, 31); ms += 86_400_000) {
      const iso = new Date(ms).toISOString().slice(0, 10);
      expect(isoToEpochDay(iso)).toBe(ms / 86_400_000);
    }
  });

  it('rejects texts that are not real calendar dates', () => {
    for (const bad of ['2014-02-30', '2015-02-29', '1900-02-29', '2014-13-01', '2014-00-10', '2014-01-00', '2014-1-01', '14-01-01', '2014/01/01', '2014-01-32', 'abcd-ef-gh', '', '2014-01-01T00']) {
      expect(isoToEpochDay(bad), bad).toBeNaN();
      expect(isIsoDate(bad)).toBe(false);
    }
    expect(isIsoDate('2000-02-29')).toBe(true);
  });
});
