import { fakeBrowser } from 'wxt/testing/fake-browser';

/**
 * WXT's in-memory browser for unit tests of modules that use extension storage. Imported first
 * in a test file: @wxt-dev/browser reads `globalThis.chrome` when it is first imported.
 */
(globalThis as { chrome?: unknown }).chrome = fakeBrowser;

export { fakeBrowser };
