import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../bot/config';
import { isVeilError } from '../../shared/errors';

const KEY = 'ab'.repeat(32);

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (isVeilError(err, 'config/invalid')) return err.message;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('bot configuration', () => {
  it('needs a token', () => {
    expect(problems({})).toContain('DISCORD_TOKEN is not set');
  });

  it('lists every problem at once', () => {
    const msg = problems({ DISCORD_TOKEN: 'a b', DISCORD_API_BASE: 'ftp://x', VEIL_REGISTRY_URL: 'http://r', VEIL_DEV_GUILD_ID: 'abc', VEIL_SYNC_INTERVAL_S: '1' });
    expect(msg).toContain('whitespace');
    expect(msg).toContain('DISCORD_API_BASE');
    expect(msg).toContain('VEIL_REGISTRY_PUBLIC_KEY is required');
    expect(msg).toContain('VEIL_DEV_GUILD_ID');
    expect(msg).toContain('VEIL_SYNC_INTERVAL_S');
  });

  it('refuses a malformed pinned key and keys without a registry', () => {
    expect(problems({ DISCORD_TOKEN: 't', VEIL_REGISTRY_URL: 'http://r', VEIL_REGISTRY_PUBLIC_KEY: 'abcd' })).toContain('64 hex digits');
    expect(problems({ DISCORD_TOKEN: 't', VEIL_REGISTRY_KEY: 'k' })).toContain('need VEIL_REGISTRY_URL');
  });

  it('reads a full configuration; the media proxy defaults to the CDN base when one is set', () => {
    const c = loadConfig({
      DISCORD_TOKEN: 'token',
      DISCORD_API_BASE: 'http://127.0.0.1:1/api/',
      DISCORD_CDN_BASE: 'http://127.0.0.1:1/cdn',
      VEIL_REGISTRY_URL: 'https://registry.example/',
      VEIL_REGISTRY_PUBLIC_KEY: `${KEY}, ${'cd'.repeat(32)}`,
      VEIL_REGISTRY_KEY: 'reporter-key',
      VEIL_DEV_GUILD_ID: '123456789012345678',
      VEIL_SYNC_INTERVAL_S: '60',
    });
    expect(c).toMatchObject({ token: 'token', apiBase: 'http://127.0.0.1:1/api', cdnBase: 'http://127.0.0.1:1/cdn', mediaBase: 'http://127.0.0.1:1/cdn', commandGuildId: '123456789012345678', syncIntervalMs: 60_000 });
    expect(c.registry?.url).toBe('https://registry.example');
    expect(c.registry?.publicKeys).toHaveLength(2);
    expect(c.registry?.reporterKey).toBe('reporter-key');
  });

  it('defaults to Discord itself and no registry', () => {
    const c = loadConfig({ DISCORD_TOKEN: 'token' });
    expect(c).toMatchObject({ apiBase: null, cdnBase: null, mediaBase: null, registry: null, commandGuildId: null });
  });
});
