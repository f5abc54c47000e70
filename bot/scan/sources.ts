/**
 * Where a Discord message carries images: attachments, embeds (link previews, which arrive later
 * in a MESSAGE_UPDATE, fetched through Discord's media proxy, never from the original site),
 * stickers that are images, and links to Discord's CDN pasted as text.
 *
 * Only Discord's own hosts are ever fetched (`DiscordOrigins`): the bot must not become a way to
 * make requests to arbitrary addresses, and Discord's proxy has already fetched external images.
 */
import { StickerFormatType } from 'discord.js';
import type { Message, PartialMessage } from 'discord.js';

export type ImageSource = 'attachment' | 'embed' | 'sticker' | 'link';

export interface ImageRef {
  source: ImageSource;
  /** The URL to download (a Discord CDN or media-proxy URL). Never logged. */
  url: string;
  /** Stable identity for de-duplication across edits: origin-less path without the query. */
  key: string;
  /** What Discord says the file is, when it says (attachments). */
  contentType: string | null;
}

export interface DiscordOrigins {
  /** Base URLs the bot may download under: Discord's CDN and media proxy (or a test server's). */
  bases: readonly URL[];
}

export const DISCORD_CDN = 'https://cdn.discordapp.com';
export const DISCORD_MEDIA = 'https://media.discordapp.net';

/** The configured CDN and media-proxy base URLs (null means Discord's own). */
export function discordOrigins(cdnBase: string | null, mediaBase: string | null): DiscordOrigins {
  return { bases: [new URL(cdnBase ?? DISCORD_CDN), new URL(mediaBase ?? cdnBase ?? DISCORD_MEDIA)] };
}

/**
 * The URL and its path below the matching base, or null when it is not under one of them.
 * Comparing parsed origins (scheme, host, port) defeats look-alikes such as
 * cdn.discordapp.com.example.net or user@host tricks.
 */
export function allowedUrl(raw: string | null | undefined, origins: DiscordOrigins): { url: URL; path: string } | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.username || u.password) return null;
  for (const base of origins.bases) {
    const prefix = base.pathname.replace(/\/+$/, '');
    if (u.origin === base.origin && u.pathname.startsWith(`${prefix}/`)) return { url: u, path: u.pathname.slice(prefix.length) };
  }
  return null;
}

/** At most this many images are checked per message (Discord allows 10 attachments, plus embeds). */
export const MAX_IMAGES_PER_MESSAGE = 20;

const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|avif|tiff?|jfif)$/i;
/** URLs in text; `<...>` suppresses a preview but is still a link. Trailing punctuation is trimmed. */
const URL_IN_TEXT = /https?:\/\/[^\s<>"'`|]+/g;
const CDN_FILE_PATH = /^\/(?:attachments|ephemeral-attachments)\/\d+\/\d+\/[^/]+$/;

/** True when an attachment may be an image: Discord's content type, or the file name without one. */
function looksLikeImage(contentType: string | null, name: string | null): boolean {
  if (contentType) return contentType.toLowerCase().startsWith('image/');
  return Boolean(name && IMAGE_EXTENSIONS.test(name));
}

/**
 * Every image reference in a message, de-duplicated, in a stable order (attachments first).
 * Works on partial messages (a link-preview update carries only embeds).
 */
export function imageRefsOf(message: Message | PartialMessage, origins: DiscordOrigins): ImageRef[] {
  const out: ImageRef[] = [];
  const seen = new Set<string>();
  const push = (source: ImageSource, u: { url: URL; path: string } | null, contentType: string | null): void => {
    if (!u || out.length >= MAX_IMAGES_PER_MESSAGE) return;
    // An attachment is the same file on the CDN and the media proxy, whatever its signature.
    const key = u.path;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ source, url: u.url.href, key, contentType });
  };

  for (const a of message.attachments?.values() ?? []) {
    if (!looksLikeImage(a.contentType, a.name)) continue;
    push('attachment', allowedUrl(a.url, origins) ?? allowedUrl(a.proxyURL, origins), a.contentType);
  }
  for (const e of message.embeds ?? []) {
    // Discord fills proxy_url with its media proxy's copy; the original url is a third-party site.
    for (const img of [e.image, e.thumbnail]) {
      if (img) push('embed', allowedUrl(img.proxyURL, origins) ?? allowedUrl(img.url, origins), null);
    }
  }
  for (const s of message.stickers?.values() ?? []) {
    // Lottie stickers are vector animations (JSON), not images.
    if (s.format === StickerFormatType.Lottie) continue;
    push('sticker', allowedUrl(s.url, origins), null);
  }
  for (const m of (message.content ?? '').matchAll(URL_IN_TEXT)) {
    const u = allowedUrl(m[0].replace(/[.,;:!?)\]}>*_~]+$/, ''), origins);
    if (u && CDN_FILE_PATH.test(u.path) && IMAGE_EXTENSIONS.test(u.path)) push('link', u, null);
  }
  return out;
}
