/// <reference types="vitest/config" />
// Builds `/widget.js`: one framework-free IIFE, no imports at run time, written
// next to the agents' app in the embedded assets root (see
// crates/autocrm-server/build.rs). Its pure logic is tested with Vitest:
// `npx vitest run --config widget/vite.config.ts` (from web/).
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // `public/`: the demo page at /widget-demo.html (a stand-in for the shop's site).
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  build: {
    // The app build empties the directory first; this one only adds widget.js.
    emptyOutDir: false,
    sourcemap: false,
    target: 'es2020',
    lib: {
      entry: fileURLToPath(new URL('./src/main.ts', import.meta.url)),
      name: 'AutoCRMWidget',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.ts'],
  },
});
