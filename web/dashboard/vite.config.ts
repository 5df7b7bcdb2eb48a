// Builds the dashboard into dist/dashboard, where the engine reads it at start
// (src/gateway/dashboard-site.ts) and serves it under /dashboard/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/dashboard/',
  // No public/ folder: every file served is in the build's own output.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Nothing inlined as a data: URL (the page's CSP allows only its own files) and no source maps served.
    assetsInlineLimit: 0,
    sourcemap: false,
    // One entry, nothing to preload: the polyfill would be dead code.
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
});
