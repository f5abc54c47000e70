/**
 * What happens when images of a message match: the server's action for each list (delete, hold
 * for review, or only log), then optionally a timeout and a private note to the author, and one
 * log entry for the moderators. Deleting comes first: it is what stops the spread, the rest can
 * take its time.
 */
import { randomUUID } from 'node:crypto';
import type { GuildMember, GuildTextBasedChannel, Message } from 'discord.js';
import type { BotContext } from '../context';
import { errorCode } from '../log';
import type { ImageCheck } from '../scan/scanner';
import type { ListAction } from '../store';
import type { MatchLine } from './cards';
import { authorDmText, matchLogEmbed, reviewButtons } from './cards';
import { DiscordCodes, NEEDED, isDiscordCode, reportRefused, requirePermissions } from './permissions';

export type MatchedCheck = ImageCheck & { match: NonNullable<ImageCheck['match']>; hashes: NonNullable<ImageCheck['hashes']> };

export interface EnforceResult {
  deleted: boolean;
  reviews: string[];
  timedOut: boolean;
  dmSent: boolean;
  logged: boolean;
}

const ACTION_TEXT: Record<ListAction, string> = {
  delete: 'delete',
  review: 'delete and hold for review',
  log: 'log only',
};

export function matchedChecks(checks: ImageCheck[]): MatchedCheck[] {
  return checks.filter((c): c is MatchedCheck => c.match !== null && c.hashes !== null);
}

export async function enforce(ctx: BotContext, message: Message<true>, checks: ImageCheck[]): Promise<EnforceResult> {
  const result: EnforceResult = { deleted: false, reviews: [], timedOut: false, dmSent: false, logged: false };
  const guild = message.guild;
  const channel = message.channel as GuildTextBasedChannel;
  const settings = ctx.store.settings(guild.id);
  const findings = matchedChecks(checks)
    .map((c) => ({ check: c, index: checks.indexOf(c) }))
    .filter(({ check }) => !ctx.store.isAllowed(guild.id, check.match.entry.kind, check.match.entry.hash));
  if (findings.length === 0) return result;

  const actionOf = (c: MatchedCheck): ListAction => settings.actions[c.match.entry.list];
  const remove = findings.some(({ check }) => actionOf(check) !== 'log');
  const outcome: string[] = [];
  const where = { guild: guild.id, channel: channel.id, message: message.id };

  if (remove) {
    if (await requirePermissions(ctx, guild, channel, NEEDED.delete, 'remove a matching message')) {
      try {
        await message.delete();
        result.deleted = true;
        outcome.push('Message deleted.');
      } catch (err) {
        if (isDiscordCode(err, DiscordCodes.UnknownMessage)) {
          outcome.push('The message was already gone.');
        } else {
          if (isDiscordCode(err, DiscordCodes.MissingPermissions) || isDiscordCode(err, DiscordCodes.MissingAccess)) {
            await reportRefused(ctx, guild, channel.id, 'ManageMessages', 'remove a matching message');
          }
          ctx.log.warn('action.delete-failed', { ...where, code: errorCode(err) });
          outcome.push('Could not delete the message.');
        }
      }
    } else {
      outcome.push('Could not delete the message: missing Manage Messages here.');
    }
    ctx.seen.forget(message.id);
  }
  ctx.log.info('match', { ...where, images: findings.length, lists: [...new Set(findings.map(({ check }) => check.match.entry.list))].join(','), deleted: result.deleted });

  const reviewIds: { id: string; index: number }[] = [];
  for (const { check, index } of findings) {
    if (actionOf(check) !== 'review') continue;
    const id = randomUUID();
    ctx.store.addReview({
      id,
      origin: 'match',
      guildId: guild.id,
      channelId: channel.id,
      authorId: message.author.id,
      list: check.match.entry.list,
      entryKind: check.match.entry.kind,
      entryHash: check.match.entry.hash,
      distance: check.match.distance,
      pdq: check.hashes.pdq,
      quality: check.hashes.quality,
      blockhash: check.hashes.blockhash,
    });
    reviewIds.push({ id, index });
  }
  result.reviews = reviewIds.map((r) => r.id);

  const member = message.member ?? (await guild.members.fetch(message.author.id).catch(() => null));
  if (remove && settings.timeoutSeconds > 0 && member) {
    result.timedOut = await timeOut(ctx, member, settings.timeoutSeconds, outcome);
  }
  if (remove && settings.dmAuthor && !message.author.bot) {
    try {
      await message.author.send(authorDmText(guild.name));
      result.dmSent = true;
      outcome.push('The author was told privately.');
    } catch (err) {
      outcome.push(isDiscordCode(err, DiscordCodes.CannotDm) ? 'The author does not accept private messages.' : 'Could not message the author.');
    }
  }
  if (reviewIds.length > 0) outcome.push('Held for review: Confirm reports the image to the registry, Dismiss allows this entry on this server.');

  const lines: MatchLine[] = findings.map(({ check, index }) => ({ index, source: check.ref.source, match: check.match, action: ACTION_TEXT[actionOf(check)] }));
  result.logged = await postLog(ctx, message, lines, outcome, reviewIds);
  return result;
}

async function timeOut(ctx: BotContext, member: GuildMember, seconds: number, outcome: string[]): Promise<boolean> {
  const guild = member.guild;
  if (!(await requirePermissions(ctx, guild, null, NEEDED.timeout, 'time out an author'))) {
    outcome.push('Could not time out the author: missing Timeout Members.');
    return false;
  }
  // Role hierarchy and owner/administrator targets: Discord would refuse, so do not ask.
  if (!member.moderatable) {
    outcome.push('Could not time out the author: their role is above mine, or they own or administer the server.');
    return false;
  }
  try {
    await member.timeout(seconds * 1000, 'Veil: posted an image on a list of leaked private photos');
    outcome.push(`Author timed out for ${formatDuration(seconds)}.`);
    return true;
  } catch (err) {
    if (isDiscordCode(err, DiscordCodes.MissingPermissions)) await reportRefused(ctx, guild, '', 'ModerateMembers', 'time out an author');
    ctx.log.warn('action.timeout-failed', { guild: guild.id, code: errorCode(err) });
    outcome.push('Could not time out the author.');
    return false;
  }
}

async function postLog(ctx: BotContext, message: Message<true>, lines: MatchLine[], outcome: string[], reviews: { id: string; index: number }[]): Promise<boolean> {
  const guild = message.guild;
  const logId = ctx.store.settings(guild.id).logChannelId;
  const logChannel = logId ? guild.channels.cache.get(logId) : undefined;
  if (!logChannel?.isSendable()) return false;
  if (!(await requirePermissions(ctx, guild, logChannel, NEEDED.log, 'post to the log channel'))) return false;
  const embed = matchLogEmbed({
    authorId: message.author.id,
    authorTag: message.author.tag,
    channelId: message.channelId,
    messageId: message.id,
    postedAt: message.createdAt,
    lines,
    outcome,
  });
  try {
    await logChannel.send({ embeds: [embed], components: reviewButtons(reviews), allowedMentions: { parse: [] } });
    return true;
  } catch (err) {
    ctx.log.warn('action.log-failed', { guild: guild.id, code: errorCode(err) });
    return false;
  }
}

export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} seconds`;
}

