/**
 * Message context menu "Report leaked photo": hashes the images of the message, reports the
 * hashes to the registry with the bot's reporter key, removes the message and answers the
 * moderator privately. When the registry cannot be reached the message is still removed (the
 * photo must stop spreading) and the hashes wait on a review card whose Confirm retries.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { BotContext } from '../context';
import type { ImageHashes } from '../../shared/hash/types';
import { isVeilError } from '../../shared/errors';
import { reportLogEmbed, reviewButtons } from '../actions/cards';
import { DiscordCodes, NEEDED, isDiscordCode, requirePermissions } from '../actions/permissions';
import { moderatorText } from '../errors';
import { errorCode } from '../log';
import type { MessageCommand } from './types';

export const REPORT_COMMAND_NAME = 'Report leaked photo';

export const reportLeakedPhoto = {
  kind: 'message',
  data: new ContextMenuCommandBuilder()
    .setName(REPORT_COMMAND_NAME)
    .setType(ApplicationCommandType.Message)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .setContexts(InteractionContextType.Guild),
  async execute(ctx, interaction) {
    if (!interaction.inCachedGuild() || !interaction.memberPermissions.has(PermissionFlagsBits.ManageMessages)) {
      await interaction.reply({ content: 'Only moderators with Manage Messages can report photos.', flags: MessageFlags.Ephemeral });
      return;
    }
    const target = interaction.targetMessage;
    const refs = ctx.scanner.refsOf(target);
    if (refs.length === 0) {
      await interaction.reply({ content: 'I found no image in that message (attachments, previews, stickers or Discord image links).', flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const guild = interaction.guild;
    const where = { guild: guild.id, channel: target.channelId, message: target.id };

    const hashed = await Promise.allSettled(refs.map((r) => ctx.scanner.hashRef(r)));
    const photos = hashed.flatMap((h) => (h.status === 'fulfilled' ? [h.value] : []));
    const unreadable = hashed.length - photos.length;
    const outcome: string[] = [];
    const answer: string[] = [];

    let reported = false;
    let reportError: unknown = null;
    if (photos.length > 0 && ctx.reporter) {
      try {
        await ctx.reporter.report('report', photos);
        reported = true;
        outcome.push(`Reported ${photos.length} image(s) to the registry.`);
        answer.push(`Reported ${photos.length} image(s) to the registry.`);
      } catch (err) {
        reportError = err;
        ctx.log.warn('report.failed', { ...where, code: errorCode(err) });
        answer.push(`The report did not go through: ${moderatorText(err)}`);
      }
    } else if (photos.length > 0) {
      answer.push('Reporting is off on this bot (no reporter key), so nothing was sent to the registry.');
    } else {
      answer.push('None of the images could be read, so nothing was reported.');
    }
    if (unreadable > 0) answer.push(`${unreadable} image(s) could not be read.`);

    let deleted = false;
    if (await requirePermissions(ctx, guild, target.channel.isDMBased() ? null : target.channel, NEEDED.delete, 'remove a reported message')) {
      try {
        await target.delete();
        deleted = true;
      } catch (err) {
        if (!isDiscordCode(err, DiscordCodes.UnknownMessage)) ctx.log.warn('report.delete-failed', { ...where, code: errorCode(err) });
      }
    }
    answer.push(deleted ? 'The message was removed.' : 'I could not remove the message (missing Manage Messages, or it is already gone).');
    outcome.push(deleted ? 'Message deleted.' : 'Message not deleted.');
    ctx.seen.forget(target.id);

    // Keep the hashes for a retry when the registry was unreachable (not when it refused them).
    const retryable = reportError !== null && (!isVeilError(reportError) || ['registry/unreachable', 'registry/rate-limited', 'registry/bad-response'].includes(reportError.code));
    const retry = retryable ? pendingReviews(ctx, guild.id, target.channelId, target.author.id, photos) : [];
    if (retry.length) outcome.push('The report failed; Confirm below retries it.');

    const settings = ctx.store.settings(guild.id);
    const logChannel = settings.logChannelId ? guild.channels.cache.get(settings.logChannelId) : undefined;
    if (logChannel?.isSendable() && (await requirePermissions(ctx, guild, logChannel, NEEDED.log, 'post to the log channel'))) {
      const embed = reportLogEmbed({ moderatorId: interaction.user.id, authorId: target.author.id, channelId: target.channelId, messageId: target.id, images: photos.length, unreadable, outcome });
      await logChannel.send({ embeds: [embed], components: reviewButtons(retry), allowedMentions: { parse: [] } }).catch((err: unknown) => ctx.log.warn('action.log-failed', { guild: guild.id, code: errorCode(err) }));
    }
    ctx.log.info('report', { ...where, by: interaction.user.id, images: photos.length, unreadable, reported, deleted });
    await interaction.editReply({ content: answer.join('\n') });
  },
} satisfies MessageCommand;

function pendingReviews(ctx: BotContext, guildId: string, channelId: string, authorId: string, photos: ImageHashes[]): { id: string; index: number }[] {
  return photos.map((p, index) => {
    const id = randomUUID();
    // A manual report has no list entry: the photo's own PDQ stands in for it (distance 0).
    ctx.store.addReview({ id, origin: 'manual', guildId, channelId, authorId, list: 'reported', entryKind: 'pdq', entryHash: p.pdq, distance: 0, pdq: p.pdq, quality: p.quality, blockhash: p.blockhash });
    return { id, index };
  });
}
