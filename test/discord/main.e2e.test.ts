/**
 * `npm run bot` as a process: configuration errors stop it with a clear message, and
 * `--shards 2` runs two shard processes (discord.js's ShardingManager), each handling the
 * guilds of its shard.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRegistryApp } from '../../registry/app';
import { hashImage } from '../../node/hashFile';
import { bytesToHex } from '../../shared/hex';
import { imageHashesToJson } from '../../shared/registry/wire';
import { shardForGuild } from './server/gateway';
import type { FakeDiscord } from './server';
import { startFakeDiscord } from './server';
import { photoJpeg } from './support/photos';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runBot(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bot/main.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('npm run bot', () => {
  it('refuses to start without a token and names every problem', { timeout: 60_000 }, async () => {
    const { exited, output } = runBot([], { VEIL_REGISTRY_URL: 'not a url' });
    expect(await exited).toBe(2);
    expect(output()).toContain('DISCORD_TOKEN is not set');
    expect(output()).toContain('VEIL_REGISTRY_URL must be an http(s) URL');
  });

  it('runs two shards with --shards 2, each removing matches in its own guilds', { timeout: 120_000 }, async () => {
    const fake: FakeDiscord = await startFakeDiscord({ heartbeatIntervalMs: 5000 });
    cleanups.push(() => fake.close());
    const poster = fake.createUser('poster');
    // Guild ids are snowflakes; keep creating until both shards have one.
    const guilds = new Map<number, string>();
    while (guilds.size < 2) {
      const g = fake.createGuild(`guild ${guilds.size}`);
      guilds.set(shardForGuild(g, 2), g);
      await new Promise((r) => setTimeout(r, 1));
    }
    const channels = new Map<number, string>();
    for (const [shard, g] of guilds) {
      channels.set(shard, fake.createChannel(g, 'general'));
      fake.addMember(g, poster);
    }

    const registryDir = mkdtempSync(join(tmpdir(), 'veil-shard-registry-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'veil-shard-data-'));
    cleanups.push(() => {
      rmSync(registryDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    });
    const registry = await buildRegistryApp({ dataDir: registryDir, logger: false, rateLimit: 0, snapshotMaxAgeMs: 0, matchIndex: false, floodMaxCases: 0, floodMaxHashes: 0 });
    cleanups.push(() => registry.close());
    await registry.listen({ host: '127.0.0.1', port: 0 });
    const photo = await photoJpeg(401);
    const res = await fetch(`http://127.0.0.1:${(registry.server.address() as AddressInfo).port}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: imageHashesToJson(await hashImage(photo)) }),
    });
    expect(res.status).toBe(201);

    const bot = runBot(['--shards', '2'], {
      DISCORD_TOKEN: fake.token,
      DISCORD_API_BASE: fake.apiBase,
      DISCORD_CDN_BASE: fake.cdnBase,
      DISCORD_MEDIA_BASE: fake.mediaBase,
      VEIL_REGISTRY_URL: `http://127.0.0.1:${(registry.server.address() as AddressInfo).port}`,
      VEIL_REGISTRY_PUBLIC_KEY: bytesToHex(registry.keys.current.publicKey),
      VEIL_DATA_DIR: dataDir,
      VEIL_DEV_GUILD_ID: guilds.get(0)!,
    });
    cleanups.push(async () => {
      bot.child.kill('SIGTERM');
      await bot.exited;
    });
    await fake.log.waitFor('commands.registered', () => true, 90_000);
    // The manager starts the shards one after the other, each once the previous one is ready.
    await fake.log.waitFor('gateway.identify', (e) => e.shardId === 1, 90_000);
    const identifies = fake.log.all('gateway.identify').map((e) => `${e.shardId}/${e.shardCount}`).sort();
    expect(identifies).toEqual(['0/2', '1/2']);
    // The children load their lists before connecting; give the reported list a moment to sync.
    for (const [shard, channelId] of channels) {
      let deleted = false;
      for (let attempt = 0; attempt < 40 && !deleted; attempt++) {
        const msg = fake.postMessage({ channelId, authorId: poster, attachments: [{ filename: `s${shard}.jpg`, bytes: photo }] });
        deleted = await fake.log.waitFor('message.deleted', (e) => e.messageId === msg.id, 1500).then(() => true, () => false);
      }
      expect(deleted, `shard ${shard} removed the match (output: ${bot.output().slice(-2000)})`).toBe(true);
    }
  });
});
