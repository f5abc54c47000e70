import { defineConfig } from 'wxt';

// The extension's sources live under extension/ (see ../shared/design.md for the layout).
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
});
