import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The victims' page the registry serves (issue 7): `npm run build:web` (part of `npm run build`)
 * writes dist/web/, which registry/routes/web serves at / and /zh-CN/. Two HTML entries share
 * one script. Everything is bundled into files of this origin: no CDN, no inline script or
 * style (the registry's CSP is default-src 'self'), no source maps that would ship the sources.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
export const WEB_OUT_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: WEB_OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Inlined assets would be data: URLs, which the CSP refuses.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { en: `${root}index.html`, 'zh-CN': `${root}zh-CN/index.html` },
    },
  },
  worker: { format: 'es' },
});
