/**
 * The Confirm / Dismiss buttons of a review card. Confirm reports the image's hashes to the
 * registry (confirming a `reported` entry, or retrying a moderator's report); Dismiss adds the
 * matched entry to this server's allow-list, so it is not acted on here again.
 */
import { ActionRowBuilder, EmbedBuilder, MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { ButtonBuilder, ButtonInteraction, Message } from 'discord.js';
import { REVIEW_PREFIX, parseReviewId } from '../actions/cards';
import type { ButtonHandler } from '../commands/types';
import { moderatorText } from '../errors';
import { errorCode } from '../log';
import type { Review } from '../store';

/** The card with this review's buttons removed and the decision written in. */
function decidedCard(message: Message, reviewId: string, note: string): { embeds: EmbedBuilder[]; components: ActionRowBuilder<ButtonBuilder>[] } {
  const [first, ...rest] = message.embeds.map((e) => EmbedBuilder.from(e));
  const embed = (first ?? new EmbedBuilder()).addFields({ name: 'Review', value: note });
  const components = message.components
    .filter((row) => !JSON.stringify(row.toJSON()).includes(reviewId))
    .map((row) => ActionRowBuilder.from<ButtonBuilder>(row.toJSON() as never));
  return { embeds: [embed, ...rest], components };
}

async function privately(interaction: ButtonInteraction, content: string): Promise<void> {
  if (interaction.deferred || interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

export const reviewHandler = {
  prefix: `${REVIEW_PREFIX}:`,
  async execute(ctx, interaction) {
    const parsed = parseReviewId(interaction.customId);
    if (!parsed || !interaction.inCachedGuild()) return privately(interaction, 'This button is no longer valid.');
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageMessages)) return privately(interaction, 'Only moderators with Manage Messages can decide reviews.');
    const review: Review | null = ctx.store.review(parsed.id);
    if (!review || review.guildId !== interaction.guildId) return privately(interaction, 'I have no record of this review.');
    if (review.status !== 'pending') return privately(interaction, `This review was already ${review.status}.`);
    const by = interaction.user.id;

    if (parsed.decision === 'dismiss') {
      if (!ctx.store.decideReview(review.id, 'dismissed', by)) return privately(interaction, 'Someone decided this review a moment ago.');
      if (review.origin === 'match') ctx.store.allow(review.guildId, review.entryKind, review.entryHash, by);
      ctx.log.info('review.dismissed', { guild: review.guildId, review: review.id, by });
      const note = review.origin === 'match' ? `Dismissed by <@${by}>: this entry is allowed on this server from now on.` : `Dismissed by <@${by}>: not reported.`;
      await interaction.update({ ...decidedCard(interaction.message, review.id, note), allowedMentions: { parse: [] } });
      return;
    }

    if (!ctx.reporter) return privately(interaction, 'Reporting is off on this bot (no reporter key, VEIL_REGISTRY_KEY), so the image cannot be confirmed to the registry.');
    if (!ctx.store.decideReview(review.id, 'confirmed', by)) return privately(interaction, 'Someone decided this review a moment ago.');
    await interaction.deferUpdate();
    try {
      await ctx.reporter.report(review.origin === 'match' ? 'confirm' : 'report', [review]);
    } catch (err) {
      ctx.store.reopenReview(review.id);
      ctx.log.warn('review.report-failed', { guild: review.guildId, review: review.id, code: errorCode(err) });
      return privately(interaction, `The registry did not take the report: ${moderatorText(err)} The review stays open.`);
    }
    ctx.log.info('review.confirmed', { guild: review.guildId, review: review.id, by });
    await interaction.editReply({ ...decidedCard(interaction.message, review.id, `Confirmed by <@${by}> and reported to the registry.`), allowedMentions: { parse: [] } });
  },
} satisfies ButtonHandler;
