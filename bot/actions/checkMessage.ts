/**
 * One message, new or edited or from history: skip what is exempt or already checked, check the
 * rest of its images, act on matches. Exemptions are decided before any download, so exempt
 * channels cost nothing.
 */
import type { Message, PartialMessage } from 'discord.js';
import type { BotContext } from '../context';
import { errorCode } from '../log';
import type { ImageCheck } from '../scan/scanner';
import type { EnforceResult } from './enforce';
import { enforce } from './enforce';

export interface CheckOutcome {
  checks: ImageCheck[];
  enforced: EnforceResult | null;
}

/**
 * `recheck` (history scans) checks images already checked before: the lists may have grown since.
 */
export async function checkMessage(ctx: BotContext, message: Message | PartialMessage, recheck = false): Promise<CheckOutcome | null> {
  if (!message.guildId) return null; // DMs to the bot are not moderated
  if (message.author && message.author.id === ctx.client.user?.id) return null;
  const settings = ctx.store.settings(message.guildId);
  const channel = message.channel;
  const parentId = channel && 'parentId' in channel ? channel.parentId : null;
  if (settings.exemptChannels.includes(message.channelId) || (parentId && settings.exemptChannels.includes(parentId))) return null;

  const seen: ReadonlySet<string> = recheck ? new Set() : ctx.seen.get(message.id);
  const refs = ctx.scanner.refsOf(message).filter((r) => !seen.has(r.key));
  if (refs.length === 0) return null;

  let full: Message;
  if (message.partial) {
    // A link preview arrives as a partial update (id, channel, embeds); the author is needed.
    try {
      full = await message.fetch();
    } catch (err) {
      ctx.log.warn('message.fetch-failed', { guild: message.guildId, channel: message.channelId, message: message.id, code: errorCode(err) });
      return null;
    }
  } else {
    full = message;
  }
  if (!full.inGuild()) return null;
  if (settings.exemptRoles.length > 0) {
    const member = full.member ?? (await full.guild.members.fetch(full.author.id).catch(() => null));
    if (member && settings.exemptRoles.some((r) => member.roles.cache.has(r))) return null;
  }

  // Mark first: an edit that arrives while this check runs must not check the same images again.
  const skip = new Set(seen);
  ctx.seen.add(full.id, refs.map((r) => r.key));
  const checks = await ctx.scanner.scan(full, skip);
  const enforced = checks.some((c) => c.match) ? await enforce(ctx, full, checks) : null;
  ctx.log.debug('message.checked', { guild: full.guildId, channel: full.channelId, message: full.id, images: checks.length, matched: checks.filter((c) => c.match).length });
  return { checks, enforced };
}
