import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web console's build: static files in dist/console/, served by the gateway's HTTP server at /.
// Everything is bundled: the page loads nothing from elsewhere (a gateway has no internet).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small script and one stylesheet: nothing worth splitting.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
