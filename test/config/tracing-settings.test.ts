/**
 * TRACING_ENABLED and the OTEL_* settings (README's configuration table): off by default, the
 * standard OTLP endpoint rules, bad values listed by loadConfig with the others, and the launcher's
 * preload starting nothing unless `serve` runs with tracing on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { addKeyFile } from '../../src/gateway/signing-keys.js';
import { startTracingFor } from '../../src/tracing/preload.js';
import { tracingSettings } from '../../src/tracing/tracing-settings.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-tracing-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const keysDir = join(dataDir, 'keys');
addKeyFile(keysDir, Date.now());
const base = { DATA_DIR: dataDir, SIGNING_KEYS_DIR: keysDir, ENCRYPTION_KEY: randomBytes(32).toString('base64') };

describe('the tracing settings', () => {
  it('are off by default, exporting OTLP to the local collector\'s /v1/traces when turned on', () => {
    expect(loadConfig(base).tracing).toEqual({ enabled: false, serviceName: 'risk-engine', exporter: 'otlp', otlpTracesUrl: 'http://localhost:4318/v1/traces', sampleRatio: 1 });
    expect(loadConfig({ ...base, TRACING_ENABLED: '1' }).tracing.enabled).toBe(true);
    expect(loadConfig({ ...base, TRACING_ENABLED: '' }).tracing.enabled).toBe(false);
  });

  it('append /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, and take OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318/' })?.otlpTracesUrl).toBe('https://otel.example.com:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/traces' })?.otlpTracesUrl).toBe('http://b:9999/traces');
  });

  it('are refused with a message naming each bad variable, alongside the other problems', () => {
    const bad = { ...base, TRACING_ENABLED: 'yes', OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318', OTEL_TRACES_SAMPLER_ARG: '2', PORT: 'x' };
    let problems: readonly string[] = [];
    try {
      loadConfig(bad);
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    for (const name of ['TRACING_ENABLED', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER_ARG', 'PORT']) {
      expect(problems.some((p) => p.startsWith(`${name}:`)), name).toBe(true);
    }
    expect(tracingSettings(bad)).toBeUndefined();
  });

  it('start nothing at launch unless serve runs with tracing on (a bad value is left to loadConfig to report)', async () => {
    expect(await startTracingFor(['price'], { TRACING_ENABLED: 'true' })).toBeUndefined();
    expect(await startTracingFor(['serve'], {})).toBeUndefined();
    expect(await startTracingFor(['serve'], { TRACING_ENABLED: 'true', OTEL_TRACES_EXPORTER: 'jaeger' })).toBeUndefined();
  });
});
