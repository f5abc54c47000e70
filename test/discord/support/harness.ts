/**
 * An end-to-end world for the bot: the fake Discord server, a real registry (buildRegistryApp on
 * 127.0.0.1 with its own SQLite folder), and the bot itself (createBot with the real discord.js
 * client, the real sync client and the shared hashing pipeline) in a temporary data folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildRegistryApp } from '../../../registry/app';
import { createApiKey } from '../../../registry/secrets';
import { hashImage } from '../../../node/hashFile';
import type { ImageHashes } from '../../../shared/hash/types';
import type { ListName } from '../../../shared/match/types';
import { imageHashesToJson } from '../../../shared/registry/wire';
import { createBot } from '../../../bot/bot';
import type { VeilBot } from '../../../bot/bot';
import type { BotConfig } from '../../../bot/config';
import { MemoryLogger } from '../../../bot/log';
import { createMatcher } from '../../../bot/matcher';
import type { GuildSettings } from '../../../bot/store';
import type { DownloadLimits } from '../../../bot/scan/download';
import type { FakeDiscord, MessagePayload } from '../server';
import { startFakeDiscord } from '../server';

export interface Harness {
  fake: FakeDiscord;
  registry: FastifyInstance;
  registryUrl: string;
  bot: VeilBot;
  log: MemoryLogger;
  dataDir: string;
  guildId: string;
  generalId: string;
  logChannelId: string;
  /** The server owner (all permissions). */
  modId: string;
  /** An ordinary member. */
  posterId: string;
  /** Two trusted reporter keys besides the bot's (registry confirmThreshold is 2 by default). */
  trustedKeys: string[];
  postRegistry(path: string, body: unknown, key?: string): Promise<Response>;
  /** Hashes `bytes` like a victim's device and puts them on a list; the bot then syncs. */
  registerPhoto(bytes: Uint8Array, list: ListName): Promise<ImageHashes>;
  /** Changes the server's settings directly (the /veil setup test goes through the command). */
  configure(patch: Partial<Omit<GuildSettings, 'guildId'>>): void;
  /** Resolves when the message is gone from the channel (deleted by the bot). */
  waitForDeletion(channelId: string, messageId: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the bot has finished checking a message (matched or not). */
  waitForChecked(messageId: string, timeoutMs?: number): Promise<void>;
  /** The bot's log-channel posts so far. */
  logPosts(): MessagePayload[];
  restartBot(configPatch?: Partial<BotConfig>): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  botPermissions?: bigint;
  downloadLimits?: DownloadLimits;
  /** Registry settings (e.g. confirmThreshold). */
  confirmThreshold?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  const modId = fake.createUser('moderator');
  const posterId = fake.createUser('poster');
  const guildId = fake.createGuild('Harness Guild', { ownerId: modId, botPermissions: opts.botPermissions });
  const generalId = fake.createChannel(guildId, 'general');
  const logChannelId = fake.createChannel(guildId, 'mod-log');
  fake.addMember(guildId, posterId);

  const registryDir = mkdtempSync(join(tmpdir(), 'veil-bot-registry-'));
  const registry = await buildRegistryApp({
    dataDir: registryDir,
    logger: false,
    rateLimit: 0,
    snapshotMaxAgeMs: 0,
    matchRefreshMs: 0,
    matchIndex: false,
    floodMaxCases: 0,
    floodMaxHashes: 0,
    confirmThreshold: opts.confirmThreshold ?? 2,
  });
  await registry.listen({ host: '127.0.0.1', port: 0 });
  const registryUrl = `http://127.0.0.1:${(registry.server.address() as AddressInfo).port}`;
  const botKey = (await createApiKey(registry.store, 'reporter', 'discord bot')).key;
  const confirmers = [(await createApiKey(registry.store, 'reporter', 'trusted A')).key, (await createApiKey(registry.store, 'reporter', 'trusted B')).key];

  const dataDir = mkdtempSync(join(tmpdir(), 'veil-bot-data-'));
  const baseConfig: BotConfig = {
    token: fake.token,
    apiBase: fake.apiBase,
    cdnBase: fake.cdnBase,
    mediaBase: fake.mediaBase,
    registry: { url: registryUrl, publicKeys: [registry.keys.current.publicKey], reporterKey: botKey },
    dataDir,
    commandGuildId: guildId,
    syncIntervalMs: 60_000,
  };
  const log = new MemoryLogger();
  let bot: VeilBot;
  const launch = async (config: BotConfig): Promise<void> => {
    const registered = fake.log.all('commands.registered').length;
    bot = createBot({ config, matcher: createMatcher(), log, downloadLimits: opts.downloadLimits });
    await bot.start();
    await fake.log.waitFor('commands.registered', () => fake.log.all('commands.registered').length > registered);
    await bot.lists.sync();
  };
  await launch(baseConfig);

  const post = async (path: string, body: unknown, key?: string): Promise<Response> =>
    fetch(`${registryUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });

  const h: Harness = {
    fake,
    registry,
    registryUrl,
    get bot() {
      return bot;
    },
    log,
    dataDir,
    trustedKeys: confirmers,
    postRegistry: post,
    guildId,
    generalId,
    logChannelId,
    modId,
    posterId,
    async registerPhoto(bytes, list) {
      const hashes = await hashImage(bytes);
      const res = await post('/v1/submissions', { hashes: imageHashesToJson(hashes) });
      if (res.status !== 201) throw new Error(`submission refused: ${res.status} ${await res.text()}`);
      if (list === 'confirmed') {
        for (const key of confirmers) {
          const r = await post('/v1/reports', { verdict: 'confirm', hashes: imageHashesToJson(hashes, undefined, false) }, key);
          if (!r.ok) throw new Error(`confirmation refused: ${r.status} ${await r.text()}`);
        }
      }
      await bot.lists.sync();
      return hashes;
    },
    configure(patch) {
      const s = bot.ctx.store.settings(guildId);
      bot.ctx.store.saveSettings({ ...s, ...patch, guildId });
    },
    async waitForDeletion(channelId, messageId, timeoutMs = 10_000) {
      await fake.log.waitFor('message.deleted', (e) => e.channelId === channelId && e.messageId === messageId, timeoutMs);
    },
    async waitForChecked(messageId, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!log.lines.some((l) => l.event === 'message.checked' && l.fields.message === messageId)) {
        if (Date.now() > deadline) throw new Error(`The bot did not check message ${messageId} within ${timeoutMs} ms.`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    logPosts() {
      return fake.log.all('message.created', (e) => e.byBot && e.channelId === logChannelId).map((e) => e.message);
    },
    async restartBot(configPatch = {}) {
      await bot.stop();
      await launch({ ...baseConfig, ...configPatch });
    },
    async close() {
      await bot.stop();
      await fake.close();
      await registry.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(registryDir, { recursive: true, force: true });
    },
  };
  return h;
}
