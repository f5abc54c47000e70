/**
 * The fake Discord server against a plain discord.js client (no bot code): if these pass, the
 * bot's end-to-end tests exercise the real library's REST, gateway and interaction paths.
 */
import { once } from 'node:events';
import { ApplicationCommandType, Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { Message } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './server';
import { startFakeDiscord } from './server';
import { DEFAULT_MEMBER_PERMISSIONS } from './server/testApi';

const ALL_INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

let fake: FakeDiscord;
let client: Client;
let guildId: string;
let channelId: string;
let userId: string;

async function connect(intents = ALL_INTENTS): Promise<Client> {
  const c = new Client({ intents, rest: { api: fake.apiBase, cdn: fake.cdnBase, mediaProxy: fake.mediaBase } });
  const ready = once(c, Events.ClientReady);
  await c.login(fake.token);
  await ready;
  return c;
}

function nextMessage(c: Client): Promise<Message> {
  return new Promise((resolve) => c.once(Events.MessageCreate, resolve));
}

beforeEach(async () => {
  fake = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  guildId = fake.createGuild('Test Guild');
  channelId = fake.createChannel(guildId, 'general');
  userId = fake.createUser('alice');
  fake.addMember(guildId, userId);
});

afterEach(async () => {
  await client?.destroy();
  await fake.close();
});

describe('fake Discord server with the real discord.js client', () => {
  it('identifies, turns ready and caches guilds, channels, roles and its own member', async () => {
    client = await connect();
    const guild = client.guilds.cache.get(guildId)!;
    expect(guild.name).toBe('Test Guild');
    expect(guild.channels.cache.get(channelId)?.name).toBe('general');
    expect(guild.members.me?.permissions.has(PermissionFlagsBits.ManageMessages)).toBe(true);
    expect(fake.log.all('gateway.identify')).toHaveLength(1);
  });

  it('delivers MESSAGE_CREATE with attachments whose signed CDN URL serves the bytes', async () => {
    client = await connect();
    const received = nextMessage(client);
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    fake.postMessage({ channelId, authorId: userId, content: 'hi', attachments: [{ filename: 'a.jpg', bytes }] });
    const msg = await received;
    const att = msg.attachments.first()!;
    expect(msg.content).toBe('hi');
    const ok = await fetch(att.url);
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(bytes);
    const unsigned = await fetch(att.url.split('?')[0]);
    expect(unsigned.status).toBe(404);
  });

  it('blanks message content for a client without the MESSAGE_CONTENT intent', async () => {
    client = await connect(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages);
    const received = nextMessage(client);
    fake.postMessage({ channelId, authorId: userId, content: 'secret', attachments: [{ filename: 'a.jpg', bytes: new Uint8Array([1]) }] });
    const msg = await received;
    expect(msg.content).toBe('');
    expect(msg.attachments.size).toBe(0);
  });

  it('deletes a message with Manage Messages and refuses with 50013 without it', async () => {
    client = await connect();
    const a = fake.postMessage({ channelId, authorId: userId, content: 'one' });
    const channel = client.channels.cache.get(channelId)!;
    if (!channel.isTextBased()) throw new Error('not text');
    await channel.messages.delete(a.id);
    expect(fake.hasMessage(channelId, a.id)).toBe(false);
    fake.setRolePermissions(guildId, fake.botRoleId(guildId), DEFAULT_MEMBER_PERMISSIONS);
    const b = fake.postMessage({ channelId, authorId: userId, content: 'two' });
    await expect(channel.messages.delete(b.id)).rejects.toSatisfy((e) => e instanceof DiscordAPIError && e.code === 50013);
    expect(fake.hasMessage(channelId, b.id)).toBe(true);
  });

  it('registers commands and answers a slash command with an ephemeral reply', async () => {
    client = await connect();
    await client.application!.commands.set([{ name: 'ping', description: 'Ping', type: ApplicationCommandType.ChatInput }], guildId);
    client.on(Events.InteractionCreate, (i) => {
      if (i.isChatInputCommand()) void i.reply({ content: `pong ${i.commandName}`, flags: MessageFlags.Ephemeral });
    });
    const rec = fake.sendSlashCommand({ guildId, channelId, userId, name: 'ping' });
    const reply = await fake.waitForReply(rec);
    expect(reply.content).toBe('pong ping');
    expect((reply.flags as number) & MessageFlags.Ephemeral).toBeTruthy();
    expect(fake.messagesIn(channelId).some((m) => m.id === reply.id)).toBe(false);
  });

  it('resumes after a forced disconnect and replays what was missed', async () => {
    client = await connect();
    expect(fake.disconnectGateway()).toBe(1);
    const received = nextMessage(client);
    const posted = fake.postMessage({ channelId, authorId: userId, content: 'while away' });
    const msg = await received;
    expect(msg.id).toBe(posted.id);
    const resume = await fake.log.waitFor('gateway.resume');
    expect(resume.replayed).toBeGreaterThanOrEqual(1);
    expect(fake.log.all('gateway.identify')).toHaveLength(1);
  });

  it('answers 429 with Retry-After and the client retries after waiting', async () => {
    client = await connect();
    fake.forceRateLimit('POST', '/channels/:channel_id/messages', 0.2);
    const channel = client.channels.cache.get(channelId)!;
    if (!channel.isSendable()) throw new Error('not sendable');
    const sent = await channel.send('after the limit');
    expect(fake.hasMessage(channelId, sent.id)).toBe(true);
    const statuses = fake.log.all('request', (e) => e.route === '/channels/:channel_id/messages').map((e) => e.status);
    expect(statuses).toEqual([429, 200]);
  });

  it('keeps within announced bucket limits without any 429', async () => {
    client = await connect();
    fake.setRateLimit('POST', '/channels/:channel_id/messages', { limit: 2, windowMs: 300 });
    const channel = client.channels.cache.get(channelId)!;
    if (!channel.isSendable()) throw new Error('not sendable');
    await Promise.all([1, 2, 3, 4, 5].map((n) => channel.send(`n${n}`)));
    expect(fake.log.all('rate-limited')).toHaveLength(0);
    expect(fake.messagesIn(channelId)).toHaveLength(5);
  });
});
