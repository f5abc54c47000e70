import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for tests that run shared/ code in a real browser (decode agreement, the
 * extension). Debian's chromium is used as installed: playwright-core never downloads a browser
 * here. Tests guard on `hasChromium` through itIfAvailable so a machine without it skips plainly.
 */
export const CHROMIUM_PATH = process.env.VEIL_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/**
 * Flags: --no-sandbox because test containers run as root without user namespaces; the rest keep
 * the browser from reaching the network on its own (updates, sync, QUIC probes) so a test only
 * sees the traffic it makes to its own 127.0.0.1 server. GPU off: decoding and canvas run on the
 * CPU (Skia raster), which is also what a service worker's OffscreenCanvas gets on most machines.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launch a fresh headless Chromium (playwright uses a throwaway profile for a plain launch, so no
 * state carries between tests). The caller closes it (`await browser.close()` in afterAll).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}
