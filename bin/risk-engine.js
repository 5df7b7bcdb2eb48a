#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (run `npm run build` first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('risk-engine: dist/ not found; run `npm run build` first\n');
  process.exit(2);
}
const argv = process.argv.slice(2);
// Tracing (TRACING_ENABLED) starts before the CLI is imported: the CLI's modules load pg and
// ioredis, which the SDK can patch only if it is running when they load.
const { startTracingFor } = await import(new URL('../dist/src/tracing/preload.js', import.meta.url).href);
const tracing = await startTracingFor(argv, process.env);
const { main } = await import(entry.href);
process.exitCode = await main(argv);
// Spans still buffered are exported before the process ends.
await tracing?.shutdown();
