/**
 * KYC_REQUIRED, SANCTIONS_SCREENING_ENABLED and AML_MONITORING_ENABLED: each read as true, false,
 * 1 or 0, all on by default in production, and outside production KYC off and the other two on
 * (COMPLIANCE_DEFAULTS, README's configuration table).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPLIANCE_DEFAULTS, ConfigError, loadConfig } from '../../src/config.js';
import { addKeyFile } from '../../src/gateway/signing-keys.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-compliance-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const keysDir = join(dataDir, 'keys');
addKeyFile(keysDir, Date.now());
const base = { DATA_DIR: dataDir, SIGNING_KEYS_DIR: keysDir, ENCRYPTION_KEY: randomBytes(32).toString('base64') };
/** What production needs besides these settings (a database server, TLS at a proxy). */
const production = { ...base, NODE_ENV: 'production', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE', TRADING_VENUE_MIC: 'XEUR', DATABASE_URL: 'postgres://db/prod', TLS_TERMINATED_BY_PROXY: 'true' };

describe('the compliance settings', () => {
  it('are all on by default in production', () => {
    expect(loadConfig(production).compliance).toEqual({ kycRequired: true, sanctionsScreeningEnabled: true, amlMonitoringEnabled: true });
    expect(COMPLIANCE_DEFAULTS.production).toEqual({ kycRequired: true, sanctionsScreeningEnabled: true, amlMonitoringEnabled: true });
  });

  it('leave KYC off and screening and monitoring on by default outside production', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(loadConfig({ ...base, NODE_ENV }).compliance).toEqual({ kycRequired: false, sanctionsScreeningEnabled: true, amlMonitoringEnabled: true });
    }
    expect(loadConfig(base).compliance).toEqual(COMPLIANCE_DEFAULTS.other);
  });

  it('read true, false, 1 and 0, and production may turn each off', () => {
    expect(loadConfig({ ...base, KYC_REQUIRED: 'true', SANCTIONS_SCREENING_ENABLED: '0', AML_MONITORING_ENABLED: 'false' }).compliance)
      .toEqual({ kycRequired: true, sanctionsScreeningEnabled: false, amlMonitoringEnabled: false });
    expect(loadConfig({ ...base, KYC_REQUIRED: '1', SANCTIONS_SCREENING_ENABLED: 'true', AML_MONITORING_ENABLED: '1' }).compliance)
      .toEqual({ kycRequired: true, sanctionsScreeningEnabled: true, amlMonitoringEnabled: true });
    expect(loadConfig({ ...production, KYC_REQUIRED: 'false', SANCTIONS_SCREENING_ENABLED: '0', AML_MONITORING_ENABLED: '0' }).compliance)
      .toEqual({ kycRequired: false, sanctionsScreeningEnabled: false, amlMonitoringEnabled: false });
  });

  it('treat an empty variable as unset (the default)', () => {
    expect(loadConfig({ ...production, KYC_REQUIRED: '' }).compliance.kycRequired).toBe(true);
  });

  it('refuse any other value, naming each setting in one error', () => {
    try {
      loadConfig({ ...base, KYC_REQUIRED: 'yes', SANCTIONS_SCREENING_ENABLED: 'on', AML_MONITORING_ENABLED: '2' });
      expect.unreachable('loadConfig accepted the values');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems;
      for (const name of ['KYC_REQUIRED', 'SANCTIONS_SCREENING_ENABLED', 'AML_MONITORING_ENABLED']) {
        expect(problems).toContainEqual(`${name}: true, false, 1 or 0`);
      }
    }
  });

  it('are frozen with the rest of the configuration', () => {
    expect(Object.isFrozen(loadConfig(base).compliance)).toBe(true);
  });
});
