import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-aml-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = { DATA_DIR: dataDir, ENCRYPTION_KEY: randomBytes(32).toString('base64') };

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig({ ...base, ...env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.join('\n');
  }
  return expect.unreachable('loadConfig accepted the configuration');
};

describe('the AML rule settings', () => {
  it('map each documented AML_* variable onto the rules\' parameters', () => {
    const aml = loadConfig({
      ...base, AML_LARGE_NOTIONAL: '2000000', AML_LARGE_NOTIONAL_MEDIUM_RISK: '800000', AML_LARGE_NOTIONAL_HIGH_RISK: '100000',
      AML_VELOCITY_MAX_TRADES_PER_HOUR: '120', AML_STRUCTURING_THRESHOLD: '15000', AML_STRUCTURING_BAND: '0.85', AML_STRUCTURING_MIN_COUNT: '4',
      AML_STRUCTURING_WINDOW_HOURS: '48', AML_WASH_WINDOW_S: '30', AML_WASH_QTY_TOLERANCE: '0', AML_LAYERING_MIN_ORDERS: '5', AML_LAYERING_WINDOW_S: '120',
      AML_LAYERING_MIN_DISTANCE: '0.05', AML_CLOSE_TIME_UTC: '21:00', AML_CLOSE_WINDOW_MINUTES: '5', AML_CLOSE_MIN_SHARE: '0.7', AML_CLOSE_MIN_PRICE_MOVE: '0.02', AML_CLOSE_MIN_NOTIONAL: '50000',
      AML_UNUSUAL_SIZE_Z: '5', AML_UNUSUAL_SIZE_MIN_HISTORY: '30', AML_UNUSUAL_SIZE_HISTORY_FILLS: '500', AML_SANCTIONED_COUNTRIES: 'ir, kp', AML_HIGH_RISK_COUNTRIES: 'none',
    }).aml;
    expect(aml).toEqual({
      largeNotional: { low: 2_000_000, medium: 800_000, high: 100_000 },
      velocity: { maxTradesPerHour: 120 },
      structuring: { reportingThreshold: 15_000, bandFraction: 0.85, minCount: 4, windowHours: 48 },
      washTrade: { windowSeconds: 30, qtyTolerance: 0 },
      layering: { minOrders: 5, windowSeconds: 120, minDistance: 0.05 },
      markingTheClose: { closeMinuteUtc: 21 * 60, windowMinutes: 5, minShareOfVolume: 0.7, minPriceMove: 0.02, minNotional: 50_000 },
      unusualSize: { minZ: 5, minHistory: 30, historyFills: 500 },
      countries: { sanctioned: ['IR', 'KP'], highRisk: [] },
    });
    expect(Object.isFrozen(aml.countries.sanctioned)).toBe(true);
  });

  it('refuses bad values, each named, in one error', () => {
    const problems = problemsOf({
      AML_VELOCITY_MAX_TRADES_PER_HOUR: '0', AML_STRUCTURING_BAND: '1', AML_CLOSE_TIME_UTC: '25:00', AML_SANCTIONED_COUNTRIES: 'IRAN', AML_WASH_QTY_TOLERANCE: 'x',
    });
    for (const name of ['AML_VELOCITY_MAX_TRADES_PER_HOUR', 'AML_STRUCTURING_BAND', 'AML_CLOSE_TIME_UTC', 'AML_SANCTIONED_COUNTRIES', 'AML_WASH_QTY_TOLERANCE']) {
      expect(problems).toContain(name);
    }
  });

  it('refuses thresholds that would watch a riskier customer less, and a history window shorter than the history required', () => {
    expect(problemsOf({ AML_LARGE_NOTIONAL_MEDIUM_RISK: '2000000' })).toContain('AML_LARGE_NOTIONAL_MEDIUM_RISK: 2000000 is above AML_LARGE_NOTIONAL (1000000)');
    expect(problemsOf({ AML_LARGE_NOTIONAL_HIGH_RISK: '600000' })).toContain('AML_LARGE_NOTIONAL_HIGH_RISK: 600000 is above AML_LARGE_NOTIONAL_MEDIUM_RISK (500000)');
    expect(problemsOf({ AML_UNUSUAL_SIZE_HISTORY_FILLS: '10' })).toContain('AML_UNUSUAL_SIZE_HISTORY_FILLS: 10 is below AML_UNUSUAL_SIZE_MIN_HISTORY (20)');
  });
});

describe('the large-notional levels', () => {
  it('follow AML_LARGE_NOTIONAL down when only it is set, so a setting from before the levels still starts', () => {
    expect(loadConfig({ ...base, AML_LARGE_NOTIONAL: '1000' }).aml.largeNotional).toEqual({ low: 1000, medium: 1000, high: 1000 });
    expect(loadConfig({ ...base, AML_LARGE_NOTIONAL: '400000' }).aml.largeNotional).toEqual({ low: 400_000, medium: 400_000, high: 250_000 });
    expect(loadConfig({ ...base, AML_LARGE_NOTIONAL_MEDIUM_RISK: '100000' }).aml.largeNotional).toEqual({ low: 1_000_000, medium: 100_000, high: 100_000 });
  });
});
