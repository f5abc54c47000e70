import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWxtBuild } from './support/extension';

/**
 * Both builds from the one code base, checked where it matters: the hiding stylesheet is in the
 * manifest (so the browser injects it before the DOM exists), at document start, in every frame;
 * host access to every site; no remote code and no wasm, so no CSP exception.
 */
const KEY = 'ab'.repeat(32);

interface Manifest {
  manifest_version: number;
  name: string;
  default_locale: string;
  permissions: string[];
  host_permissions?: string[];
  content_scripts: { matches: string[]; run_at: string; all_frames: boolean; css: string[]; js: string[] }[];
  content_security_policy?: unknown;
  browser_action?: unknown;
  action?: unknown;
  browser_specific_settings?: { gecko?: { id?: string } };
}

describe.each(['chrome', 'firefox'] as const)('the %s build', (browser) => {
  let out: string;
  let manifest: Manifest;
  let dir: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), `veil-build-${browser}-`));
    await runWxtBuild(browser, { VEIL_WXT_OUT_DIR: out, VEIL_REGISTRY_URL: 'https://registry.example', VEIL_REGISTRY_PUBLIC_KEY: KEY, VEIL_TEST_HOOKS: '0' });
    dir = join(out, browser === 'chrome' ? 'chrome-mv3' : 'firefox-mv2');
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('injects the hiding stylesheet and the script at document start in every frame of every site', () => {
    expect(manifest.content_scripts).toHaveLength(1);
    const cs = manifest.content_scripts[0];
    expect(cs).toMatchObject({ matches: ['<all_urls>'], run_at: 'document_start', all_frames: true });
    expect(cs.css).toHaveLength(1);
    expect(readFileSync(join(dir, cs.css[0]), 'utf8')).toMatch(/visibility:\s*hidden\s*!important/);
  });

  it('can read images from every site, keeps its lists and menus, and needs no CSP exception', () => {
    const hosts = manifest.manifest_version === 3 ? manifest.host_permissions : manifest.permissions;
    expect(hosts).toContain('<all_urls>');
    expect(manifest.permissions).toEqual(expect.arrayContaining(['storage', 'unlimitedStorage', 'alarms', 'contextMenus']));
    expect(manifest.content_security_policy).toBeUndefined();
  });

  it('is localised through _locales (English default, Simplified Chinese)', () => {
    expect(manifest.name).toBe('__MSG_extName__');
    expect(manifest.default_locale).toBe('en');
    for (const locale of ['en', 'zh_CN']) {
      const messages = JSON.parse(readFileSync(join(dir, '_locales', locale, 'messages.json'), 'utf8')) as Record<string, { message: string }>;
      expect(Object.keys(messages).sort()).toEqual(['extDescription', 'extName']);
    }
  });

  it('has the registry and its pinned key built in, and no test hooks', () => {
    const background = readFileSync(join(dir, 'background.js'), 'utf8');
    expect(background).toContain('https://registry.example');
    expect(background).toContain(KEY);
    expect(background).not.toContain('veilTest');
  });

  it(browser === 'chrome' ? 'is Manifest V3 with a service worker' : 'is Manifest V2 with a Gecko id', () => {
    if (browser === 'chrome') {
      expect(manifest.manifest_version).toBe(3);
      expect(manifest.action).toBeDefined();
    } else {
      expect(manifest.manifest_version).toBe(2);
      expect(manifest.browser_action).toBeDefined();
      expect(manifest.browser_specific_settings?.gecko?.id).toMatch(/@/);
    }
  });
});
