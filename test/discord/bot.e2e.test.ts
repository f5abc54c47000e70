/**
 * The bot end to end: real discord.js client against the fake Discord server, lists synced from
 * a real registry, images hashed by the shared pipeline. One world per file; every test uses
 * its own photos (seeds), so they do not see each other's list entries.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './support/harness';
import { startHarness } from './support/harness';
import { corruptJpeg, edited, photoJpeg } from './support/photos';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());
beforeEach(() => {
  h.configure({ logChannelId: h.logChannelId, actions: { confirmed: 'delete', reported: 'review' }, timeoutSeconds: 0, dmAuthor: false, exemptRoles: [], exemptChannels: [] });
});

function embedText(m: Record<string, unknown>): string {
  return JSON.stringify(m.embeds ?? []);
}

describe('scanning posted images', () => {
  it('deletes a re-compressed copy of a confirmed photo and logs it without the image', async () => {
    const original = await photoJpeg(101);
    await h.registerPhoto(original, 'confirmed');
    const repost = await edited(original, { quality: 45 });
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, content: 'look', attachments: [{ filename: 'leak.jpg', bytes: repost }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const logged = await h.fake.log.waitFor('message.created', (e) => e.byBot && e.channelId === h.logChannelId && embedText(e.message).includes(msg.id));
    const text = embedText(logged.message);
    expect(text).toContain(h.posterId);
    expect(text).toContain(`<#${h.generalId}>`);
    expect(text).toContain('confirmed');
    expect(text).toContain('Message deleted');
    expect(text).not.toMatch(/https?:\/\//);
    expect((logged.message.attachments as unknown[]).length).toBe(0);
  });

  it('deletes a resized copy posted as WebP', async () => {
    const original = await photoJpeg(102, 800, 600);
    await h.registerPhoto(original, 'confirmed');
    const repost = await edited(original, { scale: 0.5, quality: 70, format: 'webp' });
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'small.webp', bytes: repost, contentType: 'image/webp' }] });
    await h.waitForDeletion(h.generalId, msg.id);
  });

  it('leaves an unrelated photo alone', async () => {
    await h.registerPhoto(await photoJpeg(103), 'confirmed');
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'holiday.jpg', bytes: await photoJpeg(9103) }] });
    await h.waitForChecked(msg.id);
    expect(h.log.lines.find((l) => l.event === 'message.checked' && l.fields.message === msg.id)?.fields).toMatchObject({ images: 1, matched: 0 });
    expect(h.fake.hasMessage(h.generalId, msg.id)).toBe(true);
  });

  it('survives a corrupt attachment and still removes a match in the same message', async () => {
    const original = await photoJpeg(105);
    await h.registerPhoto(original, 'confirmed');
    const msg = h.fake.postMessage({
      channelId: h.generalId,
      authorId: h.posterId,
      attachments: [
        { filename: 'broken.jpg', bytes: corruptJpeg(original) },
        { filename: 'garbage.png', bytes: new Uint8Array(5000).fill(7), contentType: 'image/png' },
        { filename: 'ok.jpg', bytes: await edited(original, { quality: 60 }) },
      ],
    });
    await h.waitForDeletion(h.generalId, msg.id);
    const skipped = h.log.lines.filter((l) => l.event === 'image.skipped' && l.fields.message === msg.id);
    expect(skipped.map((l) => l.fields.code).sort()).toEqual(['image/corrupt', 'image/unsupported-format']);
    expect(JSON.stringify(skipped)).not.toMatch(/https?:\/\//);
  });

  it('checks a link preview that arrives later through the media proxy', async () => {
    const original = await photoJpeg(106);
    await h.registerPhoto(original, 'confirmed');
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, content: 'https://photos.example.com/p.jpg' });
    const hosted = h.fake.hostImage(await edited(original, { quality: 55 }));
    h.fake.updateMessage(h.generalId, msg.id, { embeds: [{ type: 'image', url: hosted.url, thumbnail: { url: hosted.url, proxy_url: hosted.proxyUrl, width: 640, height: 480 } }] }, true);
    await h.waitForDeletion(h.generalId, msg.id);
    expect(h.fake.log.all('cdn.fetch').some((e) => e.path.startsWith('/media/external/'))).toBe(true);
  });

  it('checks an image added by editing a message', async () => {
    const original = await photoJpeg(107);
    await h.registerPhoto(original, 'confirmed');
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, content: 'nothing yet' });
    h.fake.updateMessage(h.generalId, msg.id, { content: 'now', attachments: [{ filename: 'late.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, msg.id);
  });

  it('checks image stickers and Discord CDN links pasted as text', async () => {
    const a = await photoJpeg(108, 320, 320);
    const b = await photoJpeg(109);
    await h.registerPhoto(a, 'confirmed');
    await h.registerPhoto(b, 'confirmed');
    const stickerId = h.fake.createSticker(h.guildId, 'leak', 1, await edited(a, { format: 'png' }));
    const s = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, stickerIds: [stickerId] });
    await h.waitForDeletion(h.generalId, s.id);
    const link = h.fake.cdnUrl(h.logChannelId, 'pasted.jpg', await edited(b, { quality: 50 }));
    const t = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, content: `see <${link}>.` });
    await h.waitForDeletion(h.generalId, t.id);
  });

  it('does not download videos, documents or Lottie stickers', async () => {
    const lottie = h.fake.createSticker(h.guildId, 'dance', 3, new TextEncoder().encode('{"v":"5.5.2"}'));
    const msg = h.fake.postMessage({
      channelId: h.generalId,
      authorId: h.posterId,
      content: `${h.fake.cdnUrl(h.generalId, 'notes.pdf', new Uint8Array([1]), 'application/pdf')}`,
      attachments: [
        { filename: 'clip.mp4', bytes: new Uint8Array(100), contentType: 'video/mp4' },
        { filename: 'notes.txt', bytes: new Uint8Array(100), contentType: 'text/plain' },
        { filename: 'photo.jpg', bytes: await photoJpeg(9110) },
      ],
      stickerIds: [lottie],
    });
    await h.waitForChecked(msg.id);
    expect(h.log.lines.find((l) => l.event === 'message.checked' && l.fields.message === msg.id)?.fields.images).toBe(1);
    const fetched = h.fake.log.all('cdn.fetch').map((e) => e.path);
    expect(fetched.some((p) => /clip\.mp4|notes\.(txt|pdf)|\.json$/.test(p))).toBe(false);
  });

  it('never fetches an image from outside Discord', async () => {
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, content: 'http://127.0.0.2:1/attachments/1/2/x.jpg https://evil.example/attachments/1/2/y.png' });
    const marker = await photoJpeg(110);
    await h.registerPhoto(marker, 'confirmed');
    const after = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'm.jpg', bytes: marker }] });
    await h.waitForDeletion(h.generalId, after.id);
    expect(h.fake.hasMessage(h.generalId, msg.id)).toBe(true);
    expect(h.log.lines.filter((l) => l.fields.message === msg.id)).toEqual([]);
  });
});

describe('server settings', () => {
  it('skips exempt channels and exempt roles', async () => {
    const original = await photoJpeg(111);
    await h.registerPhoto(original, 'confirmed');
    const quiet = h.fake.createChannel(h.guildId, 'evidence');
    const trusted = h.fake.createRole(h.guildId, 'trusted', 0n);
    const helper = h.fake.createUser('helper');
    h.fake.addMember(h.guildId, helper, [trusted]);
    h.configure({ exemptChannels: [quiet], exemptRoles: [trusted] });
    const inQuiet = h.fake.postMessage({ channelId: quiet, authorId: h.posterId, attachments: [{ filename: 'a.jpg', bytes: original }] });
    const byHelper = h.fake.postMessage({ channelId: h.generalId, authorId: helper, attachments: [{ filename: 'b.jpg', bytes: original }] });
    const byPoster = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'c.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, byPoster.id);
    expect(h.fake.hasMessage(quiet, inQuiet.id)).toBe(true);
    expect(h.fake.hasMessage(h.generalId, byHelper.id)).toBe(true);
  });

  it('times the author out and tells them privately when configured', async () => {
    const original = await photoJpeg(112);
    await h.registerPhoto(original, 'confirmed');
    h.configure({ timeoutSeconds: 600, dmAuthor: true });
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'a.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const timeout = await h.fake.log.waitFor('member.timeout', (e) => e.userId === h.posterId);
    expect(Date.parse(timeout.until!) - Date.now()).toBeGreaterThan(500_000);
    const dm = await h.fake.log.waitFor('dm', (e) => e.userId === h.posterId);
    expect(dm.message.content).toContain('Harness Guild');
    expect(dm.message.content).not.toMatch(/https?:\/\//);
    h.fake.world.guildOf(h.guildId).members.get(h.posterId)!.communicationDisabledUntil = null;
  });

  it('holds a reported match for review; Dismiss allows the entry on this server', async () => {
    const original = await photoJpeg(113);
    await h.registerPhoto(original, 'reported');
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'r.jpg', bytes: original }] });
    await h.waitForDeletion(h.generalId, msg.id);
    const card = await h.fake.log.waitFor('message.created', (e) => e.byBot && e.channelId === h.logChannelId && embedText(e.message).includes(msg.id));
    const buttons = JSON.stringify(card.message.components);
    const dismissId = /veil:review:dismiss:[\w-]+/.exec(buttons)![0];
    expect(buttons).toContain('veil:review:confirm:');
    const click = h.fake.clickButton({ guildId: h.guildId, channelId: h.logChannelId, userId: h.modId, messageId: card.message.id, customId: dismissId });
    const updated = await h.fake.waitForReply(click);
    expect(embedText(updated)).toContain('Dismissed by');
    expect(updated.components).toEqual([]);
    const again = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'r2.jpg', bytes: original }] });
    await h.waitForChecked(again.id);
    expect(h.fake.hasMessage(h.generalId, again.id)).toBe(true);
    expect(h.logPosts().some((m) => embedText(m).includes(again.id))).toBe(false);
  });

  it('only logs when the action for the list is "log"', async () => {
    const original = await photoJpeg(115);
    await h.registerPhoto(original, 'confirmed');
    h.configure({ actions: { confirmed: 'log', reported: 'log' } });
    const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: 'l.jpg', bytes: original }] });
    const logged = await h.fake.log.waitFor('message.created', (e) => e.byBot && e.channelId === h.logChannelId && embedText(e.message).includes(msg.id));
    expect(embedText(logged.message)).toContain('log only');
    expect(h.fake.hasMessage(h.generalId, msg.id)).toBe(true);
  });
});
