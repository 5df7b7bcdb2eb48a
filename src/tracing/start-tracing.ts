/**
 * Starts the OpenTelemetry SDK (NodeSDK) with the pg and ioredis instrumentations, exporting over
 * OTLP/HTTP or to the console. Loaded only when TRACING_ENABLED is on (bin/risk-engine.js imports
 * it dynamically), so an engine with tracing off loads no SDK and patches nothing.
 *
 * The engine is ESM and imports pg and ioredis as ESM imports of CommonJS packages, which
 * require-in-the-middle never sees: the instrumentations patch them through import-in-the-middle's
 * loader hook, registered here with `module.register` before they load. The hook intercepts only
 * the modules an instrumentation asked for (createAddHookMessageChannel), not every import.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import type { TracingSettings } from './tracing-settings.js';

export interface Tracing {
  /** Exports what is still buffered and stops the SDK; safe to call twice. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /**
   * Register the loader hook that patches ESM imports of pg and ioredis (default true). A worker
   * thread whose modules are already loaded passes false: it gets BullMQ's own spans only.
   */
  readonly hookImports?: boolean;
}

/** An export that hangs (a collector gone) must not hold up a shutdown. */
const EXPORT_TIMEOUT_MS = 5000;

export async function startTracing(settings: TracingSettings, opts: StartTracingOptions = {}): Promise<Tracing> {
  let acknowledged: Promise<void> = Promise.resolve();
  if (opts.hookImports ?? true) {
    const channel = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);
    acknowledged = channel.waitForAllMessagesAcknowledged();
  }
  const exporter = settings.exporter === 'console'
    ? new tracing.ConsoleSpanExporter()
    : new OTLPTraceExporter({ url: settings.otlpTracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS });
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    spanProcessors: [new tracing.BatchSpanProcessor(exporter, { exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(settings.sampleRatio) }),
    instrumentations: [
      // requireParentSpan: a query or command outside a traced request or job (the journal's
      // commits of websocket orders, the write-behind timers) makes no span: no work on the tick path.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  // The loader must have taken the instrumentations' module names before pg is imported.
  await acknowledged;
  let stopping: Promise<void> | undefined;
  return {
    shutdown: () => (stopping ??= sdk.shutdown().catch(() => {})),
  };
}
