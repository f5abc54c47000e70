/**
 * The bot's configuration from environment variables, validated in one place so a mistake stops
 * the bot at start with every problem listed, instead of failing later on a Discord request.
 * Only bot/main.ts calls loadConfig; createBot takes the resulting object.
 */
import { resolve } from 'node:path';
import { VeilError } from '../shared/errors';
import { hexToBytes } from '../shared/hex';

export interface RegistryConfig {
  /** Base URL of the registry, without /v1. */
  url: string;
  /** Pinned list-signing keys (32 bytes each); lists signed by anything else are refused. */
  publicKeys: Uint8Array[];
  /** The bot's reporter API key; without it reports and review confirmations are unavailable. */
  reporterKey: string | null;
}

export interface BotConfig {
  token: string;
  /** Discord's REST base (`rest.api`), e.g. https://discord.com/api; null = discord.js's default. */
  apiBase: string | null;
  /** Discord's CDN (`rest.cdn`); null = https://cdn.discordapp.com. */
  cdnBase: string | null;
  /** Discord's media proxy (`rest.mediaProxy`); null = https://media.discordapp.net, or the CDN base when that is set. */
  mediaBase: string | null;
  registry: RegistryConfig | null;
  /** Holds the SQLite database (server settings, the lists' local copies). */
  dataDir: string;
  /** Register commands on this server only (instant, for development) instead of globally. */
  commandGuildId: string | null;
  /** How often the lists are checked for updates. */
  syncIntervalMs: number;
}

export const DEFAULT_DATA_DIR = 'data/bot';
export const DEFAULT_SYNC_INTERVAL_S = 300;

/** The environment variables the bot reads, for help text and error messages. */
export const ENV_HELP: Record<string, string> = {
  DISCORD_TOKEN: 'the bot token from the Discord developer portal (required)',
  DISCORD_API_BASE: 'REST base URL, for a Discord-compatible server (default: Discord)',
  DISCORD_CDN_BASE: 'attachment CDN base URL (default: https://cdn.discordapp.com)',
  DISCORD_MEDIA_BASE: 'media proxy base URL (default: https://media.discordapp.net, or DISCORD_CDN_BASE if set)',
  VEIL_REGISTRY_URL: 'the registry to sync lists from and report to',
  VEIL_REGISTRY_PUBLIC_KEY: 'the pinned list-signing key, 64 hex digits (comma-separated for several); required with VEIL_REGISTRY_URL',
  VEIL_REGISTRY_KEY: 'the reporter API key for reports (optional; without it reporting is off)',
  VEIL_DATA_DIR: `folder for the bot's SQLite database (default: ${DEFAULT_DATA_DIR})`,
  VEIL_DEV_GUILD_ID: 'register commands on this server only (development)',
  VEIL_SYNC_INTERVAL_S: `seconds between list checks (default: ${DEFAULT_SYNC_INTERVAL_S})`,
  VEIL_DEBUG: 'set to 1 to log every checked message (ids and counts only)',
};

type Env = Record<string, string | undefined>;

function baseUrl(env: Env, name: string, problems: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return raw.replace(/\/+$/, '');
  } catch {
    problems.push(`${name} must be an http(s) URL.`);
    return null;
  }
}

/** Reads and checks the environment; throws VeilError('config/invalid') naming every problem. */
export function loadConfig(env: Env): BotConfig {
  const problems: string[] = [];
  const token = env.DISCORD_TOKEN?.trim() ?? '';
  if (!token) problems.push('DISCORD_TOKEN is not set: create a bot in the Discord developer portal and set its token.');
  else if (/\s/.test(token)) problems.push('DISCORD_TOKEN contains whitespace; paste the token alone.');

  const apiBase = baseUrl(env, 'DISCORD_API_BASE', problems);
  const cdnBase = baseUrl(env, 'DISCORD_CDN_BASE', problems);
  const mediaBase = baseUrl(env, 'DISCORD_MEDIA_BASE', problems) ?? cdnBase;

  let registry: RegistryConfig | null = null;
  const registryUrl = baseUrl(env, 'VEIL_REGISTRY_URL', problems);
  const keysRaw = env.VEIL_REGISTRY_PUBLIC_KEY?.trim();
  if (registryUrl) {
    const publicKeys: Uint8Array[] = [];
    if (!keysRaw) problems.push('VEIL_REGISTRY_PUBLIC_KEY is required with VEIL_REGISTRY_URL: lists are only trusted under a pinned key (`veil registry public-key` prints it).');
    for (const k of keysRaw ? keysRaw.split(',') : []) {
      try {
        const bytes = hexToBytes(k.trim());
        if (bytes.length !== 32) throw new Error('length');
        publicKeys.push(bytes);
      } catch {
        problems.push('VEIL_REGISTRY_PUBLIC_KEY must be 64 hex digits (comma-separated for several keys).');
        break;
      }
    }
    registry = { url: registryUrl, publicKeys, reporterKey: env.VEIL_REGISTRY_KEY?.trim() || null };
  } else if (keysRaw || env.VEIL_REGISTRY_KEY) {
    problems.push('VEIL_REGISTRY_PUBLIC_KEY and VEIL_REGISTRY_KEY need VEIL_REGISTRY_URL.');
  }

  const guild = env.VEIL_DEV_GUILD_ID?.trim() || null;
  if (guild && !/^\d{17,20}$/.test(guild)) problems.push('VEIL_DEV_GUILD_ID must be a server id (a number of 17 to 20 digits).');

  let syncIntervalS = DEFAULT_SYNC_INTERVAL_S;
  if (env.VEIL_SYNC_INTERVAL_S?.trim()) {
    syncIntervalS = Number(env.VEIL_SYNC_INTERVAL_S);
    if (!Number.isInteger(syncIntervalS) || syncIntervalS < 10) problems.push('VEIL_SYNC_INTERVAL_S must be a whole number of seconds, at least 10.');
  }

  if (problems.length > 0) throw new VeilError('config/invalid', `\n  - ${problems.join('\n  - ')}`);
  return {
    token,
    apiBase,
    cdnBase,
    mediaBase,
    registry,
    dataDir: resolve(env.VEIL_DATA_DIR?.trim() || DEFAULT_DATA_DIR),
    commandGuildId: guild,
    syncIntervalMs: syncIntervalS * 1000,
  };
}
