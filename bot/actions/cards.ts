/**
 * What moderators see in the log channel: who, where, when, which list entry, how close, what
 * was done. Never the image, never a link to it: the point is that nobody has to look again.
 * Entries are named by list, hash kind and the first 8 hex digits of the listed hash (enough to
 * tell entries apart in a conversation with the registry, too short to be the hash).
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, time, TimestampStyles } from 'discord.js';
import type { MatchResult } from '../../shared/match/types';
import { bytesToHex } from '../../shared/hex';
import type { ImageSource } from '../scan/sources';

export const COLOR_CONFIRMED = 0xd83c3e;
export const COLOR_REPORTED = 0xf0b232;
export const COLOR_DONE = 0x5865f2;

export const REVIEW_PREFIX = 'veil:review';
export type ReviewDecision = 'confirm' | 'dismiss';

export function entryLabel(m: MatchResult): string {
  return `${m.entry.list} · ${m.entry.kind} ${bytesToHex(m.entry.hash).slice(0, 8)}`;
}

export interface MatchLine {
  index: number;
  source: ImageSource;
  match: MatchResult;
  action: string;
}

export interface MatchLogInput {
  authorId: string;
  authorTag: string;
  channelId: string;
  messageId: string;
  postedAt: Date;
  lines: MatchLine[];
  /** What was done to the message and author, one item each. */
  outcome: string[];
}

export function matchLogEmbed(input: MatchLogInput): EmbedBuilder {
  const confirmed = input.lines.some((l) => l.match.entry.list === 'confirmed');
  const embed = new EmbedBuilder()
    .setColor(confirmed ? COLOR_CONFIRMED : COLOR_REPORTED)
    .setTitle(input.lines.length === 1 ? 'Listed image found' : `${input.lines.length} listed images found`)
    .addFields(
      { name: 'Author', value: `<@${input.authorId}> (${escape(input.authorTag)}, ${input.authorId})`, inline: true },
      { name: 'Channel', value: `<#${input.channelId}>`, inline: true },
      { name: 'Posted', value: time(input.postedAt, TimestampStyles.LongDateTime), inline: true },
    );
  for (const l of input.lines.slice(0, 20)) {
    embed.addFields({
      name: `Image ${l.index + 1} (${l.source})`,
      value: `Entry: ${entryLabel(l.match)}\nDistance: ${l.match.distance}${l.match.dihedral ? ` (rotated/flipped variant ${l.match.dihedral})` : ''}\nAction: ${l.action}`,
    });
  }
  embed.addFields({ name: 'Done', value: input.outcome.join('\n').slice(0, 1024) || 'Nothing (logged only).' });
  embed.setFooter({ text: `Message ${input.messageId} · the image is not shown here on purpose` });
  return embed;
}

/** Confirm / Dismiss buttons for up to five reviews (Discord allows five rows of buttons). */
export function reviewButtons(reviews: { id: string; index: number }[]): ActionRowBuilder<ButtonBuilder>[] {
  return reviews.slice(0, 5).map((r) =>
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(`${REVIEW_PREFIX}:confirm:${r.id}`).setStyle(ButtonStyle.Danger).setLabel(`Confirm image ${r.index + 1}: report it`),
      new ButtonBuilder().setCustomId(`${REVIEW_PREFIX}:dismiss:${r.id}`).setStyle(ButtonStyle.Secondary).setLabel(`Dismiss image ${r.index + 1}: false match`),
    ),
  );
}

export function parseReviewId(customId: string): { decision: ReviewDecision; id: string } | null {
  const m = /^veil:review:(confirm|dismiss):([\w-]{1,64})$/.exec(customId);
  return m ? { decision: m[1] as ReviewDecision, id: m[2] } : null;
}

/** The private note to the author: what happened and why, never the image. */
export function authorDmText(guildName: string): string {
  return (
    `A message you posted in **${escape(guildName)}** was removed by Veil: an image in it matches a list of ` +
    'private photos shared without consent. Sharing such photos hurts the person in them. ' +
    "If you think this is a mistake, please contact the server's moderators."
  );
}

/** Discord markdown: names are shown as written, not as formatting. */
export function escape(s: string): string {
  return s.replace(/([\\*_~`|>[\]()])/g, '\\$1');
}

export interface ReportLogInput {
  moderatorId: string;
  authorId: string;
  channelId: string;
  messageId: string;
  images: number;
  unreadable: number;
  outcome: string[];
}

/** The log entry for a moderator's "Report leaked photo". */
export function reportLogEmbed(input: ReportLogInput): EmbedBuilder {
  return new EmbedBuilder()
    .setColor(COLOR_REPORTED)
    .setTitle('Leaked photo reported by a moderator')
    .addFields(
      { name: 'Moderator', value: `<@${input.moderatorId}>`, inline: true },
      { name: 'Author', value: `<@${input.authorId}> (${input.authorId})`, inline: true },
      { name: 'Channel', value: `<#${input.channelId}>`, inline: true },
      { name: 'Images', value: `${input.images} hashed${input.unreadable ? `, ${input.unreadable} could not be read` : ''}` },
      { name: 'Done', value: input.outcome.join('\n').slice(0, 1024) || 'Nothing.' },
    )
    .setFooter({ text: `Message ${input.messageId} · the image is not shown here on purpose` });
}
