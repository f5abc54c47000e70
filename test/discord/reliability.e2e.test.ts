/**
 * The bot under trouble: gateway disconnects, REST rate limits, missing permissions, oversized
 * and slow downloads, and a registry that is down.
 */
import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_PERMISSIONS } from './server/testApi';
import type { Harness } from './support/harness';
import { startHarness } from './support/harness';
import { edited, photoJpeg } from './support/photos';

let h: Harness;
const BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ModerateMembers;
const DELETE_ROUTE = '/channels/:channel_id/messages/:message_id';

beforeAll(async () => {
  h = await startHarness({ downloadLimits: { maxBytes: 2 * 1024 * 1024, timeoutMs: 1500 } });
});
afterAll(async () => h?.close());
beforeEach(() => {
  h.fake.setRolePermissions(h.guildId, h.fake.botRoleId(h.guildId), BOT_PERMISSIONS);
  h.configure({ logChannelId: h.logChannelId, actions: { confirmed: 'delete', reported: 'review' }, timeoutSeconds: 0, dmAuthor: false, exemptRoles: [], exemptChannels: [] });
});

const text = (m: Record<string, unknown>): string => `${String(m.content ?? '')} ${JSON.stringify(m.embeds ?? [])}`;

describe('gateway and REST', () => {
  it('resumes after a gateway disconnect and handles what was posted meanwhile', async () => {
    const original = await photoJpeg(301);
    await h.registerPhoto(original, 'confirmed');
    const identifies = h.fake.log.all('gateway.identify').length;
    expect(h.fake.disconnectGateway()).toBe(1);
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'during.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, msg.id);
    expect((await h.fake.log.waitFor('gateway.resume')).replayed).toBeGreaterThanOrEqual(1);
    expect(h.fake.log.all('gateway.identify')).toHaveLength(identifies);
  });

  it('waits out a 429 on delete and deletes once allowed', async () => {
    const original = await photoJpeg(302);
    await h.registerPhoto(original, 'confirmed');
    h.fake.forceRateLimit('DELETE', DELETE_ROUTE, 0.3);
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'a.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const deletes = h.fake.log.all('request', (e) => e.method === 'DELETE' && e.route === DELETE_ROUTE).map((e) => e.status);
    expect(deletes.slice(-2)).toEqual([429, 204]);
  });

  it('stays within announced limits while a scan deletes many messages', async () => {
    const original = await photoJpeg(303);
    const copies = await Promise.all([40, 50, 60, 70, 80].map((q) => edited(original, { quality: q })));
    const posted = copies.map((bytes, i) => h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: `c${i}.jpg`, bytes }] }));
    for (const m of posted) await h.waitForChecked(m.id);
    await h.registerPhoto(original, 'confirmed');
    h.fake.setRateLimit('DELETE', DELETE_ROUTE, { limit: 2, windowMs: 400 });
    const limitedBefore = h.fake.log.all('rate-limited').length;
    const rec = h.fake.sendSlashCommand({ guildId: h.guildId, channelId: h.logChannelId, userId: h.modId, name: 'veil', subcommand: 'scan', options: [{ name: 'channel', type: ApplicationCommandOptionType.Channel, value: h.generalId }] });
    await h.fake.log.waitFor('interaction.original-edited', (e) => e.interactionId === rec.id && String(e.message.content).startsWith('Scan finished'), 20_000);
    h.fake.setRateLimit('DELETE', DELETE_ROUTE, { limit: 50, windowMs: 1000 });
    for (const m of posted) expect(h.fake.hasMessage(h.generalId, m.id)).toBe(false);
    expect(h.fake.log.all('rate-limited').length).toBe(limitedBefore);
  });
});

describe('permissions', () => {
  it('reports a missing Manage Messages once, never sends a failing delete, and recovers', async () => {
    const original = await photoJpeg(304);
    await h.registerPhoto(original, 'confirmed');
    h.fake.setRolePermissions(h.guildId, h.fake.botRoleId(h.guildId), DEFAULT_MEMBER_PERMISSIONS);
    const deletesBefore = h.fake.log.all('request', (e) => e.method === 'DELETE').length;
    const first = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: '1.jpg', bytes: original }] });
    await h.waitForChecked(first.id);
    const second = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: '2.jpg', bytes: original }] });
    await h.waitForChecked(second.id);
    expect(h.fake.hasMessage(h.generalId, first.id)).toBe(true);
    expect(h.fake.hasMessage(h.generalId, second.id)).toBe(true);
    expect(h.fake.log.all('request', (e) => e.method === 'DELETE').length).toBe(deletesBefore);
    expect(h.fake.log.all('request', (e) => e.status === 403)).toEqual([]);
    const notices = h.logPosts().filter((m) => text(m).includes('Veil is missing a permission'));
    expect(notices).toHaveLength(1);
    expect(text(notices[0])).toContain('Manage Messages');
    expect(h.bot.ctx.store.missingPermissions(h.guildId).map((n) => n.permission)).toContain('ManageMessages');

    h.fake.setRolePermissions(h.guildId, h.fake.botRoleId(h.guildId), BOT_PERMISSIONS);
    const third = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: '3.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, third.id);
    expect(h.bot.ctx.store.missingPermissions(h.guildId).map((n) => n.permission)).not.toContain('ManageMessages');
  });

  it('does not try to time out a member whose role is above the bot', async () => {
    const original = await photoJpeg(305);
    await h.registerPhoto(original, 'confirmed');
    const senior = h.fake.createRole(h.guildId, 'senior', 0n, 20);
    const boss = h.fake.createUser('boss');
    h.fake.addMember(h.guildId, boss, [senior]);
    h.configure({ timeoutSeconds: 60 });
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: boss, attachments: [{ filename: 'b.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const logged = await h.fake.log.waitFor('message.created', (e) => e.byBot && e.channelId === h.logChannelId && text(e.message).includes(msg.id));
    expect(text(logged.message)).toContain('their role is above mine');
    expect(h.fake.log.all('request', (e) => e.method === 'PATCH' && e.status === 403)).toEqual([]);
  });
});

describe('downloads', () => {
  it('skips an attachment over the size limit even without a Content-Length', async () => {
    const big = new Uint8Array(3 * 1024 * 1024);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'huge.jpg', bytes: big, chunked: true }] });
    await h.waitForChecked(msg.id);
    expect(h.log.lines.find((l) => l.event === 'image.skipped' && l.fields.message === msg.id)?.fields.code).toBe('download/too-large');
  });

  it('gives up on a download that takes too long', async () => {
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'slow.jpg', bytes: await photoJpeg(306), delayMs: 4000 }] });
    await h.waitForChecked(msg.id);
    expect(h.log.lines.find((l) => l.event === 'image.skipped' && l.fields.message === msg.id)?.fields.code).toBe('download/timeout');
  });

  it('refuses a file whose content type is not an image', async () => {
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'photo.jpg', bytes: await photoJpeg(307), contentType: null }] });
    h.fake.world.blobs.get([...h.fake.world.blobs.keys()].find((k) => k.startsWith('/cdn/') && k.endsWith('/photo.jpg'))!)!.contentType = 'text/html';
    await h.waitForChecked(msg.id);
    expect(h.log.lines.find((l) => l.event === 'image.skipped' && l.fields.message === msg.id)?.fields.code).toBe('download/not-image');
  });
});

describe('registry down', () => {
  it('keeps matching from its local copy and says so in /veil status', async () => {
    const original = await photoJpeg(308);
    await h.registerPhoto(original, 'confirmed');
    await h.restartBot({ registry: { url: 'http://127.0.0.1:9', publicKeys: [h.registry.keys.current.publicKey], reporterKey: null } });
    expect(h.bot.lists.status().failures).toBeGreaterThan(0);
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'd.jpg', bytes: await edited(original, { quality: 60 }) }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const rec = h.fake.sendSlashCommand({ guildId: h.guildId, channelId: h.generalId, userId: h.modId, name: 'veil', subcommand: 'status' });
    const reply = text(await h.fake.waitForReply(rec));
    expect(reply).toContain('could not be reached');
    expect(reply).toContain('local copy');
    expect(reply).toContain('Reporting');
    expect(reply).toContain('Off');
  });
});
