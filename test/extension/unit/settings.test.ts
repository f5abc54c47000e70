import { fakeBrowser } from '../support/fakeBrowser';
import { beforeEach, describe, expect, it } from 'vitest';
import { normaliseRegistryUrl, normaliseSite } from '../../../extension/lib/options/options';
import { DEFAULT_FAILSAFE_MS, defaultSubscriptions, failsafeMsItem, isPaused, pausedSitesItem, siteOf, subscriptionsItem } from '../../../extension/lib/settings';

describe('sites', () => {
  it.each([
    ['WWW.Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['sub.example.com', 'sub.example.com'],
  ])('%s is the site %s', (host, site) => {
    expect(siteOf(host)).toBe(site);
  });

  it.each([
    ['example.com', ['example.com'], true],
    ['www.example.com', ['example.com'], true],
    ['img.cdn.example.com', ['example.com'], true],
    ['notexample.com', ['example.com'], false],
    ['example.com', ['sub.example.com'], false],
    ['example.com', [], false],
  ] as const)('%s paused by %j: %s', (host, paused, expected) => {
    expect(isPaused(host, paused)).toBe(expected);
  });

  it.each([
    ['example.com', 'example.com'],
    ['https://www.Example.com/path?q=1', 'example.com'],
    ['localhost', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['not a host', ''],
    ['', ''],
    ['javascript:alert(1)', ''],
  ])('the options page reads %j as %j', (input, site) => {
    expect(normaliseSite(input)).toBe(site);
  });

  it.each([
    ['https://registry.example/', 'https://registry.example'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['https://mirror.example/veil/', 'https://mirror.example/veil'],
    ['ftp://registry.example', ''],
    ['registry.example', ''],
  ])('registry address %j → %j', (input, url) => {
    expect(normaliseRegistryUrl(input)).toBe(url);
  });
});

describe('stored settings', () => {
  beforeEach(() => fakeBrowser.reset());

  it('fall back to the defaults on a fresh install', async () => {
    expect(await pausedSitesItem.getValue()).toEqual([]);
    expect(await failsafeMsItem.getValue()).toBe(DEFAULT_FAILSAFE_MS);
    expect(await subscriptionsItem.getValue()).toEqual(defaultSubscriptions());
  });

  it('subscribe by default to both lists of the registry chosen at build time', () => {
    const [sub] = defaultSubscriptions();
    expect(sub.id).toBe('default');
    expect(sub.lists).toEqual(['reported', 'confirmed']);
    expect(sub.url).toMatch(/^https?:\/\/[^/]+[^/]$/);
  });

  it('keep what was written', async () => {
    await pausedSitesItem.setValue(['example.com']);
    expect(await pausedSitesItem.getValue()).toEqual(['example.com']);
  });
});
