import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../support/chromium';
import { REPO_ROOT } from '../../support/paths';

/**
 * The built extension in headless Chromium. Extensions need a persistent context (a profile
 * directory) and the new headless mode; each launch gets a fresh profile, removed on close.
 */

export interface BuiltExtension {
  /** The unpacked Chrome MV3 build, for --load-extension. */
  dir: string;
  remove(): void;
}

/**
 * Builds the extension once (about 2 s) with the test registry fixed in at build time, exactly
 * as a release build gets its registry from VEIL_REGISTRY_URL and VEIL_REGISTRY_PUBLIC_KEY.
 * VEIL_TEST_HOOKS=1 adds the context-menu hook that headless Chromium needs.
 */
export async function buildExtension(registryUrl: string, publicKeyHex: string): Promise<BuiltExtension> {
  const out = mkdtempSync(join(tmpdir(), 'veil-ext-build-'));
  await runWxtBuild('chrome', { VEIL_WXT_OUT_DIR: out, VEIL_REGISTRY_URL: registryUrl, VEIL_REGISTRY_PUBLIC_KEY: publicKeyHex, VEIL_TEST_HOOKS: '1' });
  return { dir: join(out, 'chrome-mv3'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

/**
 * `wxt build` for one browser. Every build rewrites the shared .wxt/ folder of the repository,
 * so builds from test files running in parallel take turns (a lock directory; a stale lock from
 * a killed run is broken after two minutes).
 */
export async function runWxtBuild(browser: 'chrome' | 'firefox', env: Record<string, string>): Promise<void> {
  // Inside .wxt/ (ignored by git), so a lock left by a killed run never shows as a change.
  mkdirSync(join(REPO_ROOT, '.wxt'), { recursive: true });
  const lock = join(REPO_ROOT, '.wxt', 'veil-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'node_modules', 'wxt', 'bin', 'wxt.mjs'), 'build', '-b', browser], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ExtensionBrowser {
  context: BrowserContext;
  /** The extension's service worker as it runs now (it is restarted after being stopped). */
  readonly worker: Worker;
  extensionId: string;
  /** chrome-extension://<id>/<path> */
  pageUrl(path: string): string;
  close(): Promise<void>;
}

export async function launchWithExtension(extensionDir: string, opts: { colorScheme?: 'light' | 'dark'; locale?: string } = {}): Promise<ExtensionBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'veil-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1000, height: 800 },
    colorScheme: opts.colorScheme,
    locale: opts.locale,
    args: ['--headless=new', ...CHROMIUM_ARGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  const first = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(first.url()).host;
  return {
    context,
    get worker() {
      return context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`)) ?? first;
    },
    extensionId,
    pageUrl: (path) => `chrome-extension://${extensionId}/${path.replace(/^\//, '')}`,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
