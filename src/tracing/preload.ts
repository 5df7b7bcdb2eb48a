/**
 * What bin/risk-engine.js runs before it imports the CLI: with TRACING_ENABLED on, `serve` starts
 * the OpenTelemetry SDK here, because the CLI's modules import pg and ioredis as they load and the
 * instrumentations can only patch a module that loads after them. Imports nothing but the settings:
 * tracing off, the SDK is never loaded. A bad setting starts nothing here; loadConfig lists it and
 * `serve` refuses to start.
 */
import type { Tracing } from './start-tracing.js';
import { tracingSettings } from './tracing-settings.js';

/** The commands that trace (the engine); the others are short runs with nothing to trace. */
const TRACED_COMMANDS: ReadonlySet<string> = new Set(['serve']);

export async function startTracingFor(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Tracing | undefined> {
  if (!TRACED_COMMANDS.has(argv[0] ?? '')) return undefined;
  const settings = tracingSettings(env);
  if (settings === undefined || !settings.enabled) return undefined;
  const { startTracing } = await import('./start-tracing.js');
  return startTracing(settings);
}
