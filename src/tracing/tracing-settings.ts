/**
 * The tracing settings: TRACING_ENABLED (ours, default false) and the standard OpenTelemetry names
 * for the rest. This module imports nothing but zod on purpose: bin/risk-engine.js reads it before
 * anything loads pg or ioredis (the SDK must patch them as they load), and config.ts merges the
 * same schema into its own, so a bad value is listed with every other one and `serve` refuses to start.
 */
import { z } from 'zod';

export const TRACING_ENV = {
  TRACING_ENABLED: z.enum(['true', 'false', '1', '0'], { message: 'true, false, 1 or 0' }).default('false'),
  OTEL_SERVICE_NAME: z.string().min(1).max(200).default('risk-engine'),
  /** One exporter: the OTel list form (`otlp,console`) is not taken, so a typo cannot silently export nowhere. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console'], { message: 'otlp or console' }).default('otlp'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, message: 'an http:// or https:// URL' }).default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, message: 'an http:// or https:// URL' }).optional(),
  /** The share of new traces kept (a request carrying a sampled traceparent is always kept). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
};

const TracingEnv = z.object(TRACING_ENV);

export interface TracingSettings {
  readonly enabled: boolean;
  readonly serviceName: string;
  readonly exporter: 'otlp' | 'console';
  /** Where OTLP/HTTP (JSON) spans are sent. */
  readonly otlpTracesUrl: string;
  readonly sampleRatio: number;
}

/** The settings of already-parsed variables (config.ts's parse). */
export function tracingFromParsed(e: z.infer<typeof TracingEnv>): TracingSettings {
  return Object.freeze({
    enabled: e.TRACING_ENABLED === 'true' || e.TRACING_ENABLED === '1',
    serviceName: e.OTEL_SERVICE_NAME,
    exporter: e.OTEL_TRACES_EXPORTER,
    // The OTel rule: the signal path is appended to the base endpoint, never to the per-signal one.
    otlpTracesUrl: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    sampleRatio: e.OTEL_TRACES_SAMPLER_ARG,
  });
}

/** The settings from the environment, or undefined when a variable is bad (loadConfig then says which). */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  const picked: Record<string, string | undefined> = {};
  // An empty variable means "not set", as in config.ts.
  for (const key of Object.keys(TRACING_ENV)) picked[key] = env[key] === '' ? undefined : env[key];
  const parsed = TracingEnv.safeParse(picked);
  return parsed.success ? tracingFromParsed(parsed.data) : undefined;
}
