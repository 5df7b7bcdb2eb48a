import { describe, expect, it } from 'vitest';
import { assessRisk, KYC_RISK_DEFAULTS, kycRiskConfig, type RiskInput } from '../../../../src/engine/compliance/kyc/risk-score.js';

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const ORDINARY: RiskInput = { nationality: 'SE', countryOfResidence: 'SE', pep: false, sanctions: 'clear', sourceOfFunds: 'salary', expectedMonthlyNotionalUsd: 50_000 };

const pointsOf = (input: RiskInput) => Object.fromEntries(assessRisk(input, NOW).factors.map((f) => [f.factor, f.points]));

describe('KYC risk score', () => {
  it('scores an ordinary salaried customer low, re-screened yearly, no EDD, every factor listed with 0', () => {
    const a = assessRisk(ORDINARY, NOW);
    expect(a).toMatchObject({ score: 0, level: 'low', enhancedDueDiligence: false, rescreenDays: 365, nextRescreenMs: NOW + 365 * DAY });
    expect(a.factors.map((f) => [f.factor, f.points])).toEqual([['country', 0], ['pep', 0], ['sanctions', 0], ['source_of_funds', 0], ['trading_profile', 0]]);
  });

  it('adds the documented weight of each factor, and the explanation sums to the score', () => {
    expect(pointsOf({ ...ORDINARY, nationality: 'IR' }).country).toBe(20);
    expect(pointsOf({ ...ORDINARY, countryOfResidence: 'KP' }).country).toBe(25);
    expect(pointsOf({ ...ORDINARY, nationality: 'MM', countryOfResidence: 'MM' }).country).toBe(45);
    expect(pointsOf({ ...ORDINARY, pep: true }).pep).toBe(30);
    expect(pointsOf({ ...ORDINARY, sanctions: 'review' }).sanctions).toBe(40);
    expect(pointsOf({ ...ORDINARY, sourceOfFunds: 'other' }).source_of_funds).toBe(15);
    expect(pointsOf({ ...ORDINARY, sourceOfFunds: 'business' }).source_of_funds).toBe(10);
    expect(pointsOf({ ...ORDINARY, expectedMonthlyNotionalUsd: 1_000_000 }).trading_profile).toBe(10);
    expect(pointsOf({ ...ORDINARY, expectedMonthlyNotionalUsd: 10_000_000 }).trading_profile).toBe(20);
    const a = assessRisk({ ...ORDINARY, nationality: 'IR', sourceOfFunds: 'inheritance', expectedMonthlyNotionalUsd: 2e6 }, NOW);
    expect(a.score).toBe(40);
    expect(a.factors.reduce((s, f) => s + f.points, 0)).toBe(40);
    expect(a.factors.find((f) => f.factor === 'country')?.detail).toContain('nationality IR is high-risk');
  });

  it('counts trading well above the declared profile', () => {
    const a = assessRisk({ ...ORDINARY, expectedMonthlyNotionalUsd: 100_000, observedMonthlyNotionalUsd: 250_000 }, NOW);
    expect(a.factors.find((f) => f.factor === 'trading_profile')).toMatchObject({ points: 10 });
    expect(pointsOf({ ...ORDINARY, expectedMonthlyNotionalUsd: 100_000, observedMonthlyNotionalUsd: 200_000 }).trading_profile).toBe(0);
  });

  it('puts a PEP at medium with enhanced due diligence, re-screened every 180 days', () => {
    expect(assessRisk({ ...ORDINARY, pep: true }, NOW)).toMatchObject({ score: 30, level: 'medium', enhancedDueDiligence: true, rescreenDays: 180 });
  });

  it('puts a PEP living in a high-risk country at high, re-screened monthly', () => {
    expect(assessRisk({ ...ORDINARY, pep: true, countryOfResidence: 'IR' }, NOW)).toMatchObject({ score: 55, level: 'medium' });
    expect(assessRisk({ ...ORDINARY, pep: true, countryOfResidence: 'IR', sourceOfFunds: 'business' }, NOW)).toMatchObject({ score: 65, level: 'high', enhancedDueDiligence: true, rescreenDays: 30 });
  });

  it('never leaves a possible sanctions match below high, and caps the score at 100', () => {
    expect(assessRisk({ ...ORDINARY, sanctions: 'review' }, NOW)).toMatchObject({ score: 40, level: 'high', enhancedDueDiligence: true });
    expect(assessRisk({ ...ORDINARY, sanctions: 'block', pep: true, nationality: 'KP' }, NOW)).toMatchObject({ score: 100, level: 'high' });
  });

  it('says when the customer was not screened', () => {
    expect(assessRisk({ ...ORDINARY, sanctions: 'not_screened' }, NOW).factors.find((f) => f.factor === 'sanctions')?.detail).toBe('not screened');
  });

  it('uses a configured high-risk list and refuses a configuration with bad fields, naming each', () => {
    const config = kycRiskConfig({ ...KYC_RISK_DEFAULTS, highRiskCountries: ['SE'] });
    expect(assessRisk(ORDINARY, NOW, config).factors[0]?.points).toBe(45);
    expect(() => kycRiskConfig({ ...KYC_RISK_DEFAULTS, highRiskCountries: ['XX'] })).toThrow(/highRiskCountries\.0/);
    expect(() => kycRiskConfig({ ...KYC_RISK_DEFAULTS, levelFrom: { medium: 70, high: 60 }, rescreenDays: { low: 30, medium: 180, high: 365 } })).toThrow(/levelFrom.*rescreenDays/);
    expect(() => kycRiskConfig({ ...KYC_RISK_DEFAULTS, colour: 'red' })).toThrow(/colour/);
  });
});
