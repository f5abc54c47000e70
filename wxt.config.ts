import { defineConfig } from 'wxt';

/**
 * The browser extension (issue 4): Chrome MV3 and Firefox from one code base under extension/.
 * `npm run build` makes both builds and their zips; `npm run dev:ext` runs WXT's dev mode.
 *
 * The registry subscribed on first install and the Ed25519 key its lists must verify against are
 * fixed at build time from VEIL_REGISTRY_URL and VEIL_REGISTRY_PUBLIC_KEY (64 hex digits, as
 * `veil registry public-key` prints it). Without a key the default list is never used: users can
 * still add registries with their keys in the options page.
 */
const registryUrl = process.env.VEIL_REGISTRY_URL ?? '';
const publicKey = (process.env.VEIL_REGISTRY_PUBLIC_KEY ?? '').trim();
if (publicKey && !/^[0-9a-fA-F]{64}$/.test(publicKey)) {
  throw new Error('VEIL_REGISTRY_PUBLIC_KEY must be 64 hex digits (the registry\'s list-signing public key).');
}
if (registryUrl && !/^https?:\/\//.test(registryUrl)) {
  throw new Error('VEIL_REGISTRY_URL must be an http(s) URL.');
}

export default defineConfig({
  srcDir: 'extension',
  // Static files (the _locales folders for the manifest's name and description) live with the sources.
  publicDir: 'extension/public',
  // Tests build into their own folder so parallel test files never share an output.
  outDir: process.env.VEIL_WXT_OUT_DIR ?? '.output',
  // Explicit imports everywhere (tsc checks the extension with the rest of the repository).
  imports: false,
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    // No wasm and no remote code: the extension's default CSP is kept as it is.
    permissions: ['storage', 'unlimitedStorage', 'alarms', 'contextMenus'],
    host_permissions: ['<all_urls>'],
    action: { default_title: 'Veil' },
    ...(browser === 'firefox'
      ? { browser_specific_settings: { gecko: { id: 'veil@veil.invalid', strict_min_version: '115.0' } } }
      : { minimum_chrome_version: '116' }),
  }),
  vite: () => ({
    // VEIL_NO_MINIFY=1 keeps function names in the bundle, for reading a CPU profile of the background.
    ...(process.env.VEIL_NO_MINIFY === '1' ? { build: { minify: false } } : {}),
    define: {
      __VEIL_REGISTRY_URL__: JSON.stringify(registryUrl),
      __VEIL_REGISTRY_PUBLIC_KEY__: JSON.stringify(publicKey.toLowerCase()),
      // End-to-end tests drive the context menu through a hook (headless Chromium draws no
      // menus); release builds leave it out entirely.
      __VEIL_TEST_HOOKS__: JSON.stringify(process.env.VEIL_TEST_HOOKS === '1'),
    },
  }),
  zip: {
    // The Firefox sources zip holds what builds the extension, not the registry's or bot's data.
    excludeSources: ['data/**', 'coverage/**', 'bench/**', 'bot/**', 'registry/**', 'test/**', 'docs/**'],
  },
});
