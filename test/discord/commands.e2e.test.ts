/**
 * The bot's commands through real interactions: /veil setup, status and scan, the "Report
 * leaked photo" context menu (which reaches the real registry), and Confirm on a review card.
 */
import { ApplicationCommandOptionType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashImage } from '../../node/hashFile';
import { bytesToHex } from '../../shared/hex';
import type { ListName } from '../../shared/match/types';
import { imageHashesToJson } from '../../shared/registry/wire';
import { DEFAULT_MEMBER_PERMISSIONS } from './server/testApi';
import type { Harness } from './support/harness';
import { startHarness } from './support/harness';
import { edited, photoJpeg } from './support/photos';

let h: Harness;
const BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ModerateMembers;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());
beforeEach(() => {
  h.fake.setRolePermissions(h.guildId, h.fake.botRoleId(h.guildId), BOT_PERMISSIONS);
  h.configure({ logChannelId: h.logChannelId, actions: { confirmed: 'delete', reported: 'review' }, timeoutSeconds: 0, dmAuthor: false, exemptRoles: [], exemptChannels: [] });
});

const text = (m: Record<string, unknown>): string => `${String(m.content ?? '')} ${JSON.stringify(m.embeds ?? [])}`;

async function onRegistryList(list: ListName, pdq: Uint8Array): Promise<boolean> {
  let found = false;
  await h.registry.store.readList(list, null, (rows) => {
    for (const r of rows) if (r.present && bytesToHex(r.hash) === bytesToHex(pdq)) found = true;
  });
  return found;
}

describe('commands', () => {
  it('registers /veil and the "Report leaked photo" context menu for the development server', () => {
    const reg = h.fake.log.all('commands.registered');
    expect(reg.at(-1)).toMatchObject({ guildId: h.guildId, names: ['veil', 'Report leaked photo'] });
  });

  it('/veil setup saves the given options and answers privately', async () => {
    const rec = h.fake.sendSlashCommand({
      guildId: h.guildId,
      channelId: h.generalId,
      userId: h.modId,
      name: 'veil',
      subcommand: 'setup',
      options: [
        { name: 'log-channel', type: ApplicationCommandOptionType.Channel, value: h.logChannelId },
        { name: 'reported-action', type: ApplicationCommandOptionType.String, value: 'log' },
        { name: 'timeout-minutes', type: ApplicationCommandOptionType.Integer, value: 30 },
      ],
    });
    const reply = await h.fake.waitForReply(rec);
    expect((reply.flags as number) & MessageFlags.Ephemeral).toBeTruthy();
    expect(reply.content).toContain('Settings saved');
    expect(reply.content).toContain(`<#${h.logChannelId}>`);
    expect(reply.content).toContain('30 minutes');
    expect(h.bot.ctx.store.settings(h.guildId)).toMatchObject({ logChannelId: h.logChannelId, actions: { confirmed: 'delete', reported: 'log' }, timeoutSeconds: 1800 });
  });

  it('/veil setup refuses a member without Manage Server', async () => {
    const before = h.bot.ctx.store.settings(h.guildId);
    const rec = h.fake.sendSlashCommand({ guildId: h.guildId, channelId: h.generalId, userId: h.posterId, name: 'veil', subcommand: 'setup', options: [{ name: 'dm-author', type: ApplicationCommandOptionType.Boolean, value: !before.dmAuthor }] });
    const reply = await h.fake.waitForReply(rec);
    expect(reply.content).toContain('Manage Server');
    expect(h.bot.ctx.store.settings(h.guildId).dmAuthor).toBe(before.dmAuthor);
  });

  it('/veil status reports the lists, reporting and missing permissions', async () => {
    await h.registerPhoto(await photoJpeg(201), 'confirmed');
    h.fake.setRolePermissions(h.guildId, h.fake.botRoleId(h.guildId), DEFAULT_MEMBER_PERMISSIONS);
    const rec = h.fake.sendSlashCommand({ guildId: h.guildId, channelId: h.generalId, userId: h.modId, name: 'veil', subcommand: 'status' });
    const reply = text(await h.fake.waitForReply(rec));
    const { lists } = h.bot.lists.status();
    const confirmed = lists.find((l) => l.list === 'confirmed')!;
    expect(confirmed.count).toBeGreaterThan(0);
    expect(reply).toContain(`**confirmed**: ${confirmed.count} entries, version ${confirmed.seq}`);
    expect(reply).toContain('Reporting');
    expect(reply).toContain('Manage Messages');
  });

  it('/veil scan checks history, removes matches and reports progress', async () => {
    const original = await photoJpeg(202);
    const old = [
      h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, content: 'text only' }),
      h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'x.jpg', bytes: await edited(original, { quality: 50 }) }] }),
      h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'y.jpg', bytes: await photoJpeg(9202) }] }),
    ];
    for (const m of old.slice(1)) await h.waitForChecked(m.id);
    await h.registerPhoto(original, 'confirmed');
    expect(h.fake.hasMessage(h.generalId, old[1].id)).toBe(true);
    const rec = h.fake.sendSlashCommand({ guildId: h.guildId, channelId: h.logChannelId, userId: h.modId, name: 'veil', subcommand: 'scan', options: [{ name: 'channel', type: ApplicationCommandOptionType.Channel, value: h.generalId }, { name: 'limit', type: ApplicationCommandOptionType.Integer, value: 50 }] });
    const done = await h.fake.log.waitFor('interaction.original-edited', (e) => e.interactionId === rec.id && String(e.message.content).startsWith('Scan finished'), 20_000);
    expect(done.message.content).toMatch(/1 matched, 1 messages removed/);
    expect(h.fake.hasMessage(h.generalId, old[1].id)).toBe(false);
    expect(h.fake.hasMessage(h.generalId, old[2].id)).toBe(true);
  });
});

describe('registration', () => {
  it('registers globally when no development server is configured', async () => {
    await h.restartBot({ commandGuildId: null });
    expect(h.fake.log.all('commands.registered').at(-1)).toMatchObject({ guildId: null, names: ['veil', 'Report leaked photo'] });
    await h.restartBot();
  });
});

describe('reporting', () => {
  it('"Report leaked photo" reports the hashes to the registry, removes the message and answers privately', async () => {
    const photo = await photoJpeg(203);
    const hashes = await hashImage(photo);
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'new-leak.jpg', bytes: photo }] });
    await h.waitForChecked(msg.id);
    expect(await onRegistryList('reported', hashes.pdq)).toBe(false);
    const rec = h.fake.sendMessageCommand({ guildId: h.guildId, channelId: h.generalId, userId: h.modId, name: 'Report leaked photo', messageId: msg.id });
    const reply = await h.fake.waitForReply(rec);
    expect((reply.flags as number) & MessageFlags.Ephemeral).toBeTruthy();
    expect(reply.content).toContain('Reported 1 image(s) to the registry');
    expect(reply.content).toContain('The message was removed');
    expect(h.fake.hasMessage(h.generalId, msg.id)).toBe(false);
    expect(await onRegistryList('reported', hashes.pdq)).toBe(true);
    expect(h.logPosts().some((m) => text(m).includes('Leaked photo reported by a moderator') && text(m).includes(msg.id))).toBe(true);
  });

  it('Confirm on a review card sends the bot\'s verdict to the registry', async () => {
    const photo = await photoJpeg(204);
    const hashes = await h.registerPhoto(photo, 'reported');
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'r.jpg', bytes: photo }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const card = await h.fake.log.waitFor('message.created', (e) => e.byBot && e.channelId === h.logChannelId && text(e.message).includes(msg.id));
    const confirmId = /veil:review:confirm:[\w-]+/.exec(JSON.stringify(card.message.components))![0];
    const click = h.fake.clickButton({ guildId: h.guildId, channelId: h.logChannelId, userId: h.modId, messageId: card.message.id, customId: confirmId });
    await h.fake.log.waitFor('message.edited', (e) => e.message.id === card.message.id && text(e.message).includes('Confirmed by'));
    expect(h.fake.log.all('interaction.callback', (e) => e.interactionId === click.id)[0].type).toBe(6);
    // With the registry's threshold of two independent keys, one more confirmation now lists it.
    expect(await onRegistryList('confirmed', hashes.pdq)).toBe(false);
    const r = await h.postRegistry('/v1/reports', { verdict: 'confirm', hashes: imageHashesToJson(hashes, undefined, false) }, h.trustedKeys[0]);
    expect(r.ok).toBe(true);
    expect(await onRegistryList('confirmed', hashes.pdq)).toBe(true);
  });

  it('keeps a failed report for retry and removes the message anyway', async () => {
    const registryUrl = h.registryUrl;
    await h.restartBot({ registry: { url: 'http://127.0.0.1:9', publicKeys: [h.registry.keys.current.publicKey], reporterKey: 'unused-key' } });
    const photo = await photoJpeg(205);
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'n.jpg', bytes: photo }] });
    await h.waitForChecked(msg.id);
    const rec = h.fake.sendMessageCommand({ guildId: h.guildId, channelId: h.generalId, userId: h.modId, name: 'Report leaked photo', messageId: msg.id });
    const reply = await h.fake.waitForReply(rec);
    expect(reply.content).toContain('could not be reached');
    expect(h.fake.hasMessage(h.generalId, msg.id)).toBe(false);
    const card = h.logPosts().find((m) => text(m).includes(msg.id))!;
    expect(JSON.stringify(card.components)).toContain('veil:review:confirm:');
    expect(registryUrl).toBe(h.registryUrl);
  });
});
