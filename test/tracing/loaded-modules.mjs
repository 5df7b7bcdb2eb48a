// Preloaded into a serve under test (NODE_OPTIONS=--import): at exit it writes every CommonJS module
// the process loaded (ESM imports of CommonJS packages land in require.cache too), so a test can
// tell whether the OpenTelemetry SDK was ever loaded.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);
if (isMainThread && process.env.LOADED_MODULES_FILE) {
  process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));
}
